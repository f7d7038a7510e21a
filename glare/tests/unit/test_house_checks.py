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

"""tools/house_checks.py: each local check finds what it is for."""

import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
SCRIPT = os.path.join(ROOT, 'tools', 'house_checks.py')


def _load():
    spec = importlib.util.spec_from_file_location('house_checks', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


checks = _load()


def codes(path, body, header=True):
    source = (checks.HEADER + '\n' if header else '') + body
    return [code for _p, _l, code, _t in checks.check_file(path, source)]


class HeaderTests(unittest.TestCase):

    def test_missing_header_is_found(self):
        self.assertEqual(['G001'], codes('glare/x.py', 'X = 1\n', False))

    def test_header_after_shebang_is_accepted(self):
        source = '#!/usr/bin/env python3\n' + checks.HEADER + 'X = 1\n'
        self.assertTrue(checks.has_header(source))

    def test_with_header_keeps_the_shebang_first_and_the_body(self):
        fixed = checks.with_header('#!/usr/bin/env python3\n"""Doc."""\n')
        self.assertTrue(fixed.startswith('#!/usr/bin/env python3\n#'))
        self.assertTrue(checks.has_header(fixed))
        self.assertTrue(fixed.endswith('\n"""Doc."""\n'))
        self.assertEqual(fixed, checks.with_header(fixed))

    def test_empty_file_gets_the_header_alone(self):
        self.assertEqual(checks.HEADER, checks.with_header(''))


class CodeTests(unittest.TestCase):

    def test_eventlet_imports_are_found_anywhere(self):
        self.assertEqual(['G002'], codes('benchmarks/b.py',
                                         'import eventlet.green\n'))
        self.assertEqual(['G002'], codes('glare/tests/t.py',
                                         'from eventlet import tpool\n'))
        self.assertEqual([], codes('glare/x.py', 'import eventletish\n'))

    def test_register_opts_at_import_time_is_found(self):
        body = 'from glare.conf import CONF\nCONF.register_opts([])\n'
        self.assertEqual(['G003'], codes('glare/x.py', body))
        body = 'if True:\n    cfg.CONF.register_opt(o, group="g")\n'
        self.assertEqual(['G003'], codes('glare/x.py', body))

    def test_register_opts_in_a_function_is_fine(self):
        body = 'def register_opts(conf):\n    conf.register_opts([])\n'
        self.assertEqual([], codes('glare/conf/x.py', body))

    def test_print_is_found_in_the_service_but_not_in_tests(self):
        self.assertEqual(['G004'], codes('glare/cmd/x.py', 'print("x")\n'))
        self.assertEqual([], codes('glare/tests/x.py', 'print("x")\n'))
        self.assertEqual([], codes('benchmarks/x.py', 'print("x")\n'))
        self.assertEqual([], codes('glare/x.py', 'log.print("x")\n'))


class CommandTests(unittest.TestCase):

    def test_exit_status_and_add_headers(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'mod.py')
            with open(path, 'w') as f:
                f.write('"""Doc."""\n')
            run = [sys.executable, SCRIPT, tmp]
            first = subprocess.run(run, capture_output=True, text=True)
            self.assertEqual(1, first.returncode)
            self.assertIn('G001', first.stdout)
            subprocess.run(run[:2] + ['--add-headers', tmp], check=False,
                           capture_output=True)
            again = subprocess.run(run, capture_output=True, text=True)
            self.assertEqual(0, again.returncode, again.stdout)
            with open(path) as f:
                self.assertTrue(f.read().endswith('\n"""Doc."""\n'))
