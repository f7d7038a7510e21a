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

"""Silence the import-time warnings of libraries that say nothing to users."""

import warnings

# (message regex, category or the dotted name of its class, module that
# warns). Each is raised when a library Glare needs is imported; none is
# about Glare or something its user can act on, and a newcomer reads them
# as breakage. Every other warning keeps Python's usual handling.
_LIBRARY_WARNINGS = (
    # oslo.service requires eventlet whatever its backend (Glare selects the
    # threading one), and futurist imports eventlet merely because it is
    # installed. eventlet's warning class lives in eventlet itself, which
    # cannot be imported to name it without raising the warning, so the
    # message and the importing module say which warning this is.
    (r'\s*Eventlet is deprecated\.', Warning, r'futurist\._utils'),
    # ...and the imported eventlet warns at every fork, such as gunicorn's
    # of its workers, though nothing runs on it.
    (r'Using fork\(\) is a bad idea', DeprecationWarning, r'eventlet'),
    # Importing eventlet loads dnspython's DSA module, which names
    # cryptography's DSA classes (deprecated from cryptography 51 on).
    (r'DSA is deprecated', 'cryptography.utils.CryptographyDeprecationWarning',
     r'dns\.dnssecalgs\.dsa'),
    # oslo.messaging's server module imports oslo.utils' eventletutils.
    (r'eventletutils module is deprecated', DeprecationWarning,
     r'oslo_utils\.eventletutils'),
    # WebOb still imports the cgi module (it moves to legacy-cgi on 3.13).
    (r"'cgi' is deprecated", DeprecationWarning, r'webob\.compat'),
)


def _category(category):
    if not isinstance(category, str):
        return category
    module, _sep, name = category.rpartition('.')
    try:
        return getattr(__import__(module, fromlist=[name]), name)
    except ImportError:  # the library is absent: it cannot warn either
        return None


def install():
    """Ignore exactly the warnings above; call before importing libraries."""
    for message, category, module in _LIBRARY_WARNINGS:
        category = _category(category)
        if category is not None:
            warnings.filterwarnings('ignore', message=message,
                                    category=category, module=module + r'\Z')
