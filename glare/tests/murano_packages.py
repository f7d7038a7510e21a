# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Murano package zips built by the tests: good ones and malicious ones."""

import io
import stat
import zipfile

import yaml


def manifest(full_name, version='1.0.0', **extra):
    doc = {'Format': 'MuranoPL/1.0', 'Type': 'Application',
           'FullName': full_name, 'Name': 'App ' + full_name,
           'Version': version, 'Description': 'Test package',
           'Author': 'Tests', 'Tags': ['test'],
           'Classes': {full_name: 'main.yaml'}}
    doc.update(extra)
    return {k: v for k, v in doc.items() if v is not None}


def package(full_name='io.test.App', version='1.0.0', files=None,
            raw_manifest=None, **extra):
    """Bytes of a zip holding manifest.yaml, its classes and files."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
        doc = manifest(full_name, version, **extra)
        z.writestr('manifest.yaml', raw_manifest if raw_manifest is not None
                   else yaml.safe_dump(doc))
        for path in (doc.get('Classes') or {}).values():
            z.writestr('Classes/' + path, 'Name: %s\n' % full_name)
        for name, data in (files or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def with_entries(entries, base=None):
    """A valid package plus raw (ZipInfo or name, data) entries."""
    buf = io.BytesIO(base or package())
    with zipfile.ZipFile(buf, 'a', zipfile.ZIP_DEFLATED) as z:
        for info, data in entries:
            z.writestr(info, data)
    return buf.getvalue()


def symlink_entry(name, target):
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target


def zip_bomb(expanded, name='bomb.bin'):
    """A package with one member of `expanded` zero bytes, compressed to
    about a thousandth of that, made without holding it in memory."""
    buf = io.BytesIO(package())
    zero = bytes(1024 * 1024)
    with zipfile.ZipFile(buf, 'a', zipfile.ZIP_DEFLATED,
                         compresslevel=9) as z:
        with z.open(name, 'w', force_zip64=True) as member:
            left = expanded
            while left > 0:
                member.write(zero[:min(left, len(zero))])
                left -= len(zero)
    return buf.getvalue()


def lying_sizes(declared=100):
    """A package whose member's headers claim far less than its data."""
    data = bytearray(package(files={'big.bin': bytes(10 * 1024 * 1024)}))
    local = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(
        'big.bin').header_offset
    data[local + 22:local + 26] = declared.to_bytes(4, 'little')
    pos = data.find(b'PK\x01\x02')
    while pos != -1:
        name_len = int.from_bytes(data[pos + 28:pos + 30], 'little')
        if bytes(data[pos + 46:pos + 46 + name_len]) == b'big.bin':
            data[pos + 24:pos + 28] = declared.to_bytes(4, 'little')
            break
        pos = data.find(b'PK\x01\x02', pos + 4)
    return bytes(data)
