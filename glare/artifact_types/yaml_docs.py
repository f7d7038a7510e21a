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

"""Bounded, safe YAML/JSON parsing of uploaded text documents."""

import json

import yaml
from yaml import composer
from yaml import constructor
from yaml import events
from yaml import resolver

from glare import exception
from glare.objects import uploads

#: The largest document accepted (bytes). Heat refuses templates larger
#: than its ``max_template_size`` (512 KiB by default); twice that leaves
#: room for operators who raised it, while parsing stays around a second
#: and a hundred MiB of memory in the worst case.
MAX_DOCUMENT_SIZE = 1024 * 1024

#: The most YAML nodes a document may have once every alias is expanded.
#: A YAML "billion laughs" is a small document whose aliases expand
#: exponentially; it is refused as soon as the count passes this.
MAX_NODES = 200000

#: The deepest nesting of collections accepted.
MAX_DEPTH = 64

try:
    _Parser = yaml._yaml.CParser  # libyaml's parser (C), when available
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import parser as _py_parser
    from yaml import reader as _py_reader
    from yaml import scanner as _py_scanner

    class _Parser(_py_reader.Reader, _py_scanner.Scanner,
                  _py_parser.Parser):
        def __init__(self, stream):
            _py_reader.Reader.__init__(self, stream)
            _py_scanner.Scanner.__init__(self)
            _py_parser.Parser.__init__(self)


class DocumentError(ValueError):
    """The data is not an acceptable document; the text says why."""


class _Constructor(constructor.SafeConstructor):
    """SafeConstructor reading timestamps as text, as Heat does, so that
    ``heat_template_version: 2018-08-31`` is the string it looks like."""


_Constructor.add_constructor('tag:yaml.org,2002:timestamp',
                             _Constructor.construct_yaml_str)


class _Loader(composer.Composer, _Parser, _Constructor, resolver.Resolver):
    """libyaml's events, composed in Python under limits.

    libyaml's own composer recurses in C and crashes the process on deep
    nesting; composing in Python lets depth and alias expansion be counted
    node by node, and refused before they cost anything.
    """

    def __init__(self, stream):
        _Parser.__init__(self, stream)
        composer.Composer.__init__(self)
        _Constructor.__init__(self)
        resolver.Resolver.__init__(self)
        self._depth = 0
        self._expanded = 0
        self._sizes = {}

    def _grow(self, count):
        self._expanded += count
        if self._expanded > MAX_NODES:
            raise DocumentError('the document has more than %d nodes once '
                                'its aliases are expanded' % MAX_NODES)

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, events.AliasEvent):
            node = self.anchors.get(event.anchor)
            if node is not None:
                size = self._sizes.get(id(node))
                if size is None:
                    raise DocumentError('the document has a recursive '
                                        'alias (*%s)' % event.anchor)
                self._grow(size)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise DocumentError('the document is nested deeper than %d '
                                'levels' % MAX_DEPTH)
        start = self._expanded
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        self._grow(1)
        if event.anchor is not None:
            self._sizes[id(node)] = self._expanded - start
        return node


def _json(data):
    """The document when data is JSON text, else None."""
    if data.lstrip()[:1] not in (b'{', b'['):
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def parse(data):
    """(document, 'json' or 'yaml') of bytes; DocumentError when data is
    not one well-formed JSON or YAML document within the limits."""
    if len(data) > MAX_DOCUMENT_SIZE:
        raise DocumentError('the document is larger than %d bytes'
                            % MAX_DOCUMENT_SIZE)
    doc = _json(data)
    if doc is not None:
        return doc, 'json'
    loader = _Loader(data)
    try:
        return loader.get_single_data(), 'yaml'
    except DocumentError:
        raise
    except yaml.YAMLError as exc:
        if 'nesting depth' in str(getattr(exc, 'problem', '')):
            # PyYAML 6.0.4 bounds flow nesting itself, before our composer
            raise DocumentError('the document is nested too deeply') from exc
        raise DocumentError('not valid YAML: %s' % exc) from exc
    except RecursionError as exc:
        raise DocumentError('the document is nested too deeply') from exc
    except (ValueError, TypeError, UnicodeError) as exc:
        raise DocumentError('not valid YAML: %s' % exc) from exc
    finally:
        loader.dispose()


def require_mapping(doc, what):
    if not isinstance(doc, dict):
        raise DocumentError('%s must be a mapping, not %s' % (
            what, _kind(doc)))
    for key in doc:
        if not isinstance(key, str):
            raise DocumentError('%s has a key that is not a string: %r' %
                                (what, key))
    return doc


def require_sections(doc, allowed, what, owner='Heat'):
    """doc has no top-level key outside allowed."""
    wrong = sorted(k for k in doc if k not in allowed)
    if wrong:
        raise DocumentError(
            '%s has section(s) %s that %s does not know; the sections '
            'are %s' % (what, ', '.join(repr(k) for k in wrong), owner,
                        ', '.join(allowed)))


def require_kind(doc, section, kinds, what):
    """doc[section], when given and not null, is one of kinds."""
    value = doc.get(section)
    if value is not None and not isinstance(value, kinds):
        names = ' or '.join(_KIND_NAMES[k] for k in kinds)
        raise DocumentError('section %r of %s must be a %s, not %s' % (
            section, what, names, _kind(value)))


_KIND_NAMES = {dict: 'mapping', list: 'list', str: 'string'}


def _kind(value):
    if value is None:
        return 'empty'
    for kind, name in _KIND_NAMES.items():
        if isinstance(value, kind):
            return 'a ' + name
    return 'a %s' % type(value).__name__


class DocumentInspector(uploads.UploadInspector):
    """Buffers an upload (at most MAX_DOCUMENT_SIZE bytes), then parses
    it and hands the document to :meth:`check`."""

    #: what the document is, for error messages
    what = 'document'

    def __init__(self, fd):
        super().__init__(fd)
        self._chunks = []

    def inspect(self, chunk):
        if self.size > MAX_DOCUMENT_SIZE:
            raise exception.RequestEntityTooLarge(
                'The %s is larger than %d bytes, the most this type '
                'accepts' % (self.what, MAX_DOCUMENT_SIZE))
        self._chunks.append(bytes(chunk))

    def finish(self):
        data = b''.join(self._chunks)
        self._chunks = []
        try:
            doc, fmt = parse(data)
            return self.check(doc, fmt) or {}
        except DocumentError as exc:
            raise exception.InvalidData(reason='the %s is refused: %s' % (
                self.what, exc)) from exc

    def check(self, doc, fmt):
        """Raise DocumentError to refuse doc, or return field values."""
        return {}
