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

"""Disk images built byte by byte for the image tests: good and malicious."""

import struct

MIB = 1024 * 1024


def qcow2(size=MIB, version=3, backing_file=None, incompatible=0,
          cluster_bits=16):
    """A qcow2 header (and a backing file name when given)."""
    bf_offset = bf_size = 0
    tail = b''
    if backing_file is not None:
        tail = backing_file.encode()
        bf_offset, bf_size = 512, len(tail)
    header = struct.pack(
        '>4sIQIIQIIQQIIQ', b'QFI\xfb', version, bf_offset, bf_size,
        cluster_bits, size, 0, 0, 0, 0, 0, 0, 0)
    if version >= 3:
        # incompatible, compatible, autoclear features; refcount order;
        # header length
        header += struct.pack('>QQQII', incompatible, 0, 0, 4, 104)
    header = header.ljust(512, b'\0')
    return (header + tail).ljust(64 * 1024, b'\0')


#: qcow2 incompatible feature bit 2: the data lives in an external file
QCOW2_EXTERNAL_DATA_FILE = 1 << 2


def vmdk_sparse(sectors=2048, extent='"disk.vmdk"', create_type=None):
    """A monolithicSparse VMDK: header, embedded descriptor, no grains."""
    create_type = create_type or 'monolithicSparse'
    descriptor = (
        '# Disk DescriptorFile\n'
        'version=1\n'
        'CID=12345678\n'
        'parentCID=ffffffff\n'
        'createType="%s"\n'
        '\n'
        '# Extent description\n'
        'RW %d SPARSE %s\n'
        '\n'
        '# The Disk Data Base\n'
        '#DDB\n'
        'ddb.virtualHWVersion = "4"\n' % (create_type, sectors, extent)
    ).encode().ljust(1024, b'\0')
    header = struct.pack(
        '<4sIIQQQQIQQ', b'KDMV', 1, 3, sectors, 128, 1, 2, 512, 0, 21)
    return header.ljust(512, b'\0') + descriptor + b'\0' * 4096


def vmdk_flat_descriptor(path='/etc/passwd'):
    """A text-only VMDK descriptor whose flat extent is a host file."""
    return (
        '# Disk DescriptorFile\n'
        'version=1\n'
        'CID=fffffffe\n'
        'parentCID=ffffffff\n'
        'createType="monolithicFlat"\n'
        '\n'
        '# Extent description\n'
        'RW 2048 FLAT "%s" 0\n' % path).encode()


def _pvd(blocks, block_size=2048):
    pvd = bytearray(2048)
    pvd[0] = 1
    pvd[1:6] = b'CD001'
    pvd[6] = 1
    pvd[80:88] = struct.pack('<L', blocks) + struct.pack('>L', blocks)
    pvd[128:132] = struct.pack('<H', block_size) + struct.pack(
        '>H', block_size)
    return bytes(pvd)


def mbr(partition_type=0x83, start=2048, sectors=4096):
    """A boot sector with one partition (what a partitioned disk has)."""
    sector = bytearray(512)
    sector[446:462] = struct.pack('<B3BB3BII', 0x80, 0, 2, 0, partition_type,
                                  0, 0, 0, start, sectors)
    sector[510:512] = b'\x55\xaa'
    return bytes(sector)


def iso(blocks=32, hybrid=False):
    """An ISO 9660 image: system area, primary volume descriptor; with an
    MBR in the system area when hybrid (bootable from a USB stick)."""
    system_area = bytearray(32 * 1024)
    if hybrid:
        system_area[:512] = mbr(partition_type=0x17, start=0,
                                sectors=blocks * 4)
    return (bytes(system_area) + _pvd(blocks)).ljust(blocks * 2048, b'\0')


def vhd(size=MIB):
    """A dynamic VHD: its footer copy starts the file."""
    footer = bytearray(512)
    footer[:8] = b'conectix'
    footer[40:48] = struct.pack('>Q', size)
    return bytes(footer).ljust(4096, b'\0')


def vdi(size=MIB):
    header = bytearray(512)
    header[:40] = b'<<< Oracle VM VirtualBox Disk Image >>>\n'
    header[0x40:0x44] = struct.pack('<I', 0xBEDA107F)
    header[0x170:0x178] = struct.pack('<Q', size)
    return bytes(header).ljust(4096, b'\0')


def qed():
    return b'QED\x00'.ljust(4096, b'\0')


def qcow2_and_vdi():
    """A header that is both a qcow2 and a VDI: one hides in the other."""
    data = bytearray(qcow2())
    data[0x40:0x44] = struct.pack('<I', 0xBEDA107F)
    return bytes(data)


def raw(size=64 * 1024):
    """Bytes no format claims: a filesystem-less disk."""
    pattern = bytes(range(1, 256))
    return (pattern * (size // len(pattern) + 1))[:size]
