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

"""No closure crosses into glare/db/: each transaction reads top-down there.

Services hand the database plain data (statuses, numbers, rows, field
changes); a db function that called back into a service mid-transaction
would hide what the transaction does. Both sides are read as source.
"""

import ast
import os

import testtools

import glare

ROOT = os.path.dirname(glare.__file__)
# the transaction machinery itself: its callables are the db functions
MACHINERY = {'api.py'}


def _modules(package):
    folder = os.path.join(ROOT, package)
    for name in sorted(os.listdir(folder)):
        if name.endswith('.py'):
            path = os.path.join(folder, name)
            with open(path) as source:
                yield name, ast.parse(source.read(), path)


def _params(func):
    args = func.args
    return {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs +
            [a for a in (args.vararg, args.kwarg) if a is not None]}


def _functions(tree):
    return [n for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _called_params(func):
    """Names of func's own parameters that its body calls (a classmethod
    making its class is no callback)."""
    params = _params(func) - {'cls'}
    return sorted({n.func.id for n in ast.walk(func)
                   if isinstance(n, ast.Call) and
                   isinstance(n.func, ast.Name) and n.func.id in params})


def _db_aliases(tree):
    """The names a module binds to glare.db modules."""
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == 'glare.db':
            aliases.update(a.asname or a.name for a in node.names)
    return aliases


def _methods(tree):
    """Names of the methods (not properties) of the module's classes."""
    out = set()
    for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
        for item in cls.body:
            if isinstance(item, ast.FunctionDef) and not any(
                    isinstance(d, ast.Name) and d.id == 'property'
                    for d in item.decorator_list):
                out.add(item.name)
    return out


def _callables_passed(tree):
    """(line, db call, argument) of each lambda, nested function or bound
    method a module passes to a glare.db function."""
    aliases = _db_aliases(tree)
    methods = _methods(tree)
    found = []
    for func in _functions(tree):
        nested = {n.name for n in _functions(func) if n is not func}
        for call in ast.walk(func):
            if not (isinstance(call, ast.Call) and
                    isinstance(call.func, ast.Attribute) and
                    isinstance(call.func.value, ast.Name) and
                    call.func.value.id in aliases):
                continue
            for arg in call.args + [k.value for k in call.keywords]:
                if isinstance(arg, ast.Lambda) or (
                        isinstance(arg, ast.Name) and arg.id in nested) or (
                        isinstance(arg, ast.Attribute) and
                        isinstance(arg.value, ast.Name) and
                        arg.value.id in ('self', 'cls') and
                        arg.attr in methods):
                    found.append((call.lineno, ast.unparse(call.func),
                                  ast.unparse(arg)))
    return found


class NoCallbacksTest(testtools.TestCase):

    def test_db_functions_call_no_parameter(self):
        called = {}
        for name, tree in _modules('db'):
            if name in MACHINERY:
                continue
            for func in _functions(tree):
                params = _called_params(func)
                if params:
                    called['%s:%s' % (name, func.name)] = params
        self.assertEqual({}, called)

    def test_services_pass_no_callable_to_the_db(self):
        passed = {}
        for name, tree in _modules('services'):
            found = _callables_passed(tree)
            if found:
                passed[name] = found
        self.assertEqual({}, passed)

    def test_services_have_no_sql(self):
        for name, tree in _modules('services'):
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    modules = [node.module or '']
                else:
                    continue
                for module in modules:
                    self.assertFalse(module.split('.')[0] in (
                        'sqlalchemy', 'oslo_db'), '%s imports %s' % (
                        name, module))

    def test_the_checks_see_a_callback(self):
        # the checks above would pass on anything they cannot read
        db_side = ast.parse('def finish(session, also):\n'
                            '    return also(session)\n')
        self.assertEqual(['also'],
                         _called_params(_functions(db_side)[0]))
        service_side = ast.parse(
            'from glare.db import blobs as db\n'
            'class S:\n'
            '    def check(self, row):\n'
            '        pass\n'
            '    def up(self, ctx):\n'
            '        def also(session):\n'
            '            pass\n'
            '        db.finish(ctx, also, lambda r: r, self.check)\n')
        self.assertEqual(['also', 'lambda r: r', 'self.check'],
                         [arg for _l, _c, arg in
                          _callables_passed(service_side)])
