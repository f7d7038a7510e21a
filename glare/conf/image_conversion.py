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

"""Options of the [image_conversion] group (qemu-img conversions)."""

from oslo_config import cfg

from glare.conf import utils

conversion_group = cfg.OptGroup(
    'image_conversion', title='Image conversion options',
    help='POST /artifacts/images/{id}/image/convert makes a new image '
         'artifact in another disk format with qemu-img (Debian package '
         'qemu-utils), run by the task workers on a private scratch copy '
         'of the data.')

conversion_opts = [
    cfg.StrOpt('qemu_img', default='qemu-img',
               help='The qemu-img command (a name looked up in PATH, or a '
                    'path).'),
    cfg.StrOpt('work_dir',
               help='Directory in which each conversion makes a private '
                    'directory (mode 0700) for its scratch files: a copy '
                    'of the source image and the converted image, both '
                    'removed when the conversion ends, however it ends. '
                    'It needs room for both at once (a raw image takes its '
                    'virtual size, less what is sparse). On the file '
                    'system of the filesystem store\'s data directory, the '
                    'converted image is moved into the store rather than '
                    'copied. Unset: the system temporary directory.'),
    cfg.IntOpt('max_virtual_size_gb', default=1000, min=1,
               help='Largest virtual size (GiB) of an image that is '
                    'converted; a larger one is refused before qemu-img '
                    'converts it (a few KiB of qcow2 can claim petabytes, '
                    'which raw output would stream in full).'),
    cfg.IntOpt('info_timeout', default=30, min=1,
               help='CPU seconds, and seconds of wall time, `qemu-img '
                    'info` may take to read the header of the scratch '
                    'copy.'),
    cfg.IntOpt('info_memory_mb', default=1024, min=64,
               help='Address space (MiB) `qemu-img info` may use (prlimit '
                    '--as): a crafted header cannot make it allocate '
                    'more.'),
    cfg.IntOpt('convert_timeout', default=3600, min=1,
               help='Seconds `qemu-img convert` may run; past them it is '
                    'killed and the conversion fails.'),
    cfg.IntOpt('convert_memory_mb', default=2048, min=64,
               help='Address space (MiB) `qemu-img convert` may use '
                    '(prlimit --as).'),
]


def register_opts(conf):
    utils.register_group_opts(conf, conversion_group, conversion_opts)


def list_opts():
    return [(conversion_group, conversion_opts)]
