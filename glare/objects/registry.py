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

"""Loading artifact types: stevedore plugins plus legacy modules."""

import importlib
import inspect

from oslo_log import log as logging
from stevedore import named

from glare.objects import base

LOG = logging.getLogger(__name__)
NAMESPACE = 'glare.artifact_types'
ALL = 'all'
#: path segments below an artifact that the API keeps for itself
#: (CATALOG.md): no field may be named so
RESERVED_FIELDS = ('members', 'bundle', 'push', 'signatures', 'star',
                   'reviews')
#: segments below /artifacts that name no type
RESERVED_TYPES = ('import',)


class TypeLoadError(Exception):
    """A configured artifact type cannot be loaded; names the type."""


class TypeRegistry:
    """The artifact classes this service serves, by type name."""

    def __init__(self, types):
        self._types = dict(types)

    @classmethod
    def load(cls, conf):
        """Load enabled types (and 'all') from config; fail loudly."""
        names = [n.strip() for n in conf.enabled_artifact_types if n.strip()]
        if ALL not in names:
            names.append(ALL)
        failures = []

        def on_load_failure(manager, entrypoint, exc):
            failures.append('%s (%s)' % (entrypoint.name, exc))

        mgr = named.NamedExtensionManager(
            NAMESPACE, names=names, invoke_on_load=False,
            on_load_failure_callback=on_load_failure,
            name_order=True)
        types = {}
        for ext in mgr:
            types[ext.name] = cls._check(ext.name, ext.plugin)
        for module_name in conf.custom_artifact_types_modules:
            for af_cls in cls._classes_in_module(module_name):
                types[af_cls.get_type_name()] = af_cls
        for name, af_cls in sorted(types.items()):
            failures.extend(cls._reserved(name, af_cls))
        missing = [n for n in names if n not in types]
        if failures or missing:
            raise TypeLoadError(
                'Cannot load artifact types: %s' % ', '.join(
                    failures + ['%s (no entry point in %s)' % (n, NAMESPACE)
                                for n in missing if not any(
                                    f.startswith(n + ' ') for f in failures)]))
        return cls(types)

    @staticmethod
    def _reserved(name, af_cls):
        """What in a type's names the API keeps for itself."""
        out = []
        if name in RESERVED_TYPES:
            out.append('%s (a type may not be named %s: the API uses '
                       '/artifacts/%s)' % (name, name, name))
        # the base field signatures (API 1.5) is the route's own name:
        # only a type's own declaration of a reserved name clashes
        base_fields = base.BaseArtifact.fields
        clash = sorted(n for n in set(af_cls.fields) & set(RESERVED_FIELDS)
                       if af_cls.fields[n] is not base_fields.get(n))
        if clash:
            out.append('%s (field%s %s: reserved name%s of the API, '
                       'which uses /artifacts/<type>/<id>/<name>)' % (
                           name, 's' if len(clash) > 1 else '',
                           ', '.join(clash), 's' if len(clash) > 1 else ''))
        return out

    @staticmethod
    def _check(name, af_cls):
        if not (inspect.isclass(af_cls) and
                issubclass(af_cls, base.BaseArtifact)):
            raise TypeLoadError('%s is not an artifact type class' % name)
        if af_cls.get_type_name() != name:
            raise TypeLoadError(
                'entry point %s names type %s' % (name,
                                                  af_cls.get_type_name()))
        base.GlareObjectRegistry.register_if(True)(af_cls)
        return af_cls

    @staticmethod
    def _classes_in_module(module_name):
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise TypeLoadError('Cannot import custom artifact types module '
                                '%s: %s' % (module_name, exc)) from exc
        found = []
        for _name, obj in inspect.getmembers(module, inspect.isclass):
            if (issubclass(obj, base.BaseArtifact) and
                    obj is not base.BaseArtifact and
                    obj.__module__ == module.__name__ and
                    obj.get_type_name()):
                base.GlareObjectRegistry.register_if(True)(obj)
                found.append(obj)
        if not found:
            raise TypeLoadError('module %s defines no artifact type' %
                                module_name)
        return found

    def get(self, type_name):
        return self._types.get(type_name)

    def names(self):
        return sorted(self._types)

    def items(self):
        return sorted(self._types.items())

    def concrete(self):
        """Every type but the 'all' view."""
        return {n: c for n, c in self._types.items() if n != ALL}

    def __contains__(self, type_name):
        return type_name in self._types
