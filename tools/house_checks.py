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

"""Glare's local style checks, in the spirit of OpenStack's hacking.

    python tools/house_checks.py [--add-headers] [PATH ...]

G001  a Python source file lacks the Apache-2.0 license header
G002  eventlet is imported (Glare runs on native threads)
G003  options are registered at import time (register_opt(s) called
      outside a function: config is passed, not imported)
G004  print() in the service package (glare/, tests excepted): commands
      write to sys.stdout/sys.stderr, the service logs

Ruff cannot run plugins, so these run as a script from ``tox -e pep8``
and from pre-commit; exit status 1 when anything is found.
"""

import argparse
import ast
import os
import sys

HEADER = """\
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
"""

DEFAULT_PATHS = ('glare', 'benchmarks', 'tools', 'doc/source',
                 'api-ref/source', 'releasenotes/source', 'setup.py')
SKIP_DIRS = {'.tox', '.venv', '.git', '__pycache__', 'build', '.eggs'}
REGISTER_CALLS = {'register_opt', 'register_opts', 'register_cli_opt',
                  'register_cli_opts', 'register_group'}


def python_files(paths):
    for path in paths:
        if os.path.isfile(path):
            if path.endswith('.py'):
                yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
            for name in sorted(files):
                if name.endswith('.py'):
                    yield os.path.join(root, name)


def _lead(source):
    """(lines before the header may start, rest): shebang, coding line."""
    lines = source.splitlines(keepends=True)
    lead = 0
    while lead < len(lines) and lead < 2 and (
            lines[lead].startswith('#!') or
            'coding' in lines[lead] and lines[lead].startswith('#')):
        lead += 1
    return ''.join(lines[:lead]), ''.join(lines[lead:])


def has_header(source):
    return _lead(source)[1].startswith(HEADER)


def with_header(source):
    lead, rest = _lead(source)
    if rest.startswith(HEADER):
        return source
    return lead + HEADER + ('\n' + rest if rest.strip() else '')


def _in_service_package(path):
    parts = os.path.normpath(path).split(os.sep)
    return parts[0] == 'glare' and 'tests' not in parts


class _Visitor(ast.NodeVisitor):

    def __init__(self, path):
        self.path = path
        self.depth = 0  # function nesting: 0 is import time
        self.found = []

    def _report(self, node, code, text):
        self.found.append((self.path, node.lineno, code, text))

    def visit_FunctionDef(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name.split('.')[0] == 'eventlet':
                self._report(node, 'G002', 'eventlet imported')
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        if (node.module or '').split('.')[0] == 'eventlet':
            self._report(node, 'G002', 'eventlet imported')
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else \
            getattr(func, 'id', None)
        if name in REGISTER_CALLS and self.depth == 0:
            self._report(node, 'G003',
                         '%s() at import time: register in a '
                         'register_opts(conf) function' % name)
        if name == 'print' and isinstance(func, ast.Name) and \
                _in_service_package(self.path):
            self._report(node, 'G004',
                         'print() in the service: log, or write to '
                         'sys.stdout/sys.stderr in a command')
        self.generic_visit(node)


def check_file(path, source=None):
    """[(path, line, code, text)] for one file."""
    if source is None:
        with open(path, encoding='utf-8') as f:
            source = f.read()
    found = []
    if not has_header(source):
        found.append((path, 1, 'G001', 'no Apache-2.0 license header'))
    visitor = _Visitor(path)
    visitor.visit(ast.parse(source, path))
    return found + visitor.found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--add-headers', action='store_true',
                        help='write the license header where it is missing')
    parser.add_argument('paths', nargs='*', default=DEFAULT_PATHS)
    args = parser.parse_args(argv)
    found = []
    for path in python_files(args.paths):
        if args.add_headers:
            with open(path, encoding='utf-8') as f:
                source = f.read()
            if not has_header(source):
                with open(path, 'w', encoding='utf-8') as f:
                    f.write(with_header(source))
        found.extend(check_file(path))
    for path, line, code, text in found:
        sys.stdout.write('%s:%d: %s %s\n' % (path, line, code, text))
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
