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

"""The library warnings Glare silences, and only those."""

import unittest
import warnings

from cryptography.utils import CryptographyDeprecationWarning

from glare.common import warnings_filter


class EventletDeprecationWarning(Warning):
    """Stands for eventlet's class of the same name (not a subclass of
    DeprecationWarning), which cannot be imported without warning."""


class WarningsFilterTests(unittest.TestCase):

    def shown(self, message, category, module):
        """Whether the filters leave this warning to be shown."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            warnings_filter.install()
            warnings.warn_explicit(message, category, module + '.py', 1,
                                   module=module)
        return bool(caught)

    def test_the_library_warnings_are_silenced(self):
        for warning in [
                ('\nEventlet is deprecated. It is currently being '
                 'maintained in bugfix mode', EventletDeprecationWarning,
                 'futurist._utils'),
                ('Using fork() is a bad idea, and there is no guarantee '
                 'eventlet will work.', DeprecationWarning, 'eventlet'),
                ('DSA is deprecated and support will be removed in a '
                 'future release.', CryptographyDeprecationWarning,
                 'dns.dnssecalgs.dsa'),
                ('eventletutils module is deprecated and will be removed.',
                 DeprecationWarning, 'oslo_utils.eventletutils'),
                ("'cgi' is deprecated and slated for removal in Python "
                 "3.13", DeprecationWarning, 'webob.compat')]:
            with self.subTest(warning=warning):
                self.assertFalse(self.shown(*warning))

    def test_other_warnings_are_still_shown(self):
        for warning in [
                # the same message from another module
                ('\nEventlet is deprecated.', EventletDeprecationWarning,
                 'glare.api.app'),
                ('DSA is deprecated', CryptographyDeprecationWarning,
                 'glare.artifact_types.images'),
                ("'cgi' is deprecated", DeprecationWarning, 'webob.compatx'),
                # another message from the same module
                ('something else', DeprecationWarning, 'futurist._utils'),
                ('RSA is weak', CryptographyDeprecationWarning,
                 'dns.dnssecalgs.dsa'),
                ('Using fork() is fine', DeprecationWarning, 'eventlet'),
                # the same message and module, another category
                ('DSA is deprecated', UserWarning, 'dns.dnssecalgs.dsa'),
                ("'cgi' is deprecated", RuntimeWarning, 'webob.compat')]:
            with self.subTest(warning=warning):
                self.assertTrue(self.shown(*warning))
