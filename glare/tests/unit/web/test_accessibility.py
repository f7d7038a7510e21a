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

"""The catalog's palette: every text colour pair the style sheet uses
reaches WCAG 2 AA contrast (4.5:1), computed from catalog.css itself."""

import os
import re

from glare.tests import base
from glare.web import catalog as web_catalog

#: (text, background) variables of catalog.css used together
PAIRS = [('ink', 'paper'), ('link', 'paper'), ('muted', 'paper'),
         ('banner-ink', 'banner'), ('badge-ink', 'badge'), ('ok', 'paper'),
         ('error', 'paper'), ('muted', 'badge'), ('link', 'badge')]


def _palette():
    with open(os.path.join(web_catalog.HERE, 'static', 'catalog.css')) as f:
        css = f.read()
    root = re.search(r':root\s*\{([^}]*)\}', css).group(1)
    return dict(re.findall(r'--([a-z-]+):\s*(#[0-9a-fA-F]{6})', root))


def _luminance(hex_colour):
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
              for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


class PaletteTest(base.TestCase):

    def test_formula(self):
        self.assertAlmostEqual(21.0, contrast('#000000', '#ffffff'), 2)
        self.assertAlmostEqual(1.0, contrast('#777777', '#777777'), 2)

    def test_text_pairs_reach_aa(self):
        palette = _palette()
        for fg, bg in PAIRS:
            ratio = contrast(palette[fg], palette[bg])
            self.assertGreaterEqual(ratio, 4.5, '%s on %s: %.2f' % (
                fg, bg, ratio))

    def test_focus_ring_is_visible(self):
        # non-text contrast (WCAG 1.4.11): 3:1 against the page
        palette = _palette()
        self.assertGreaterEqual(contrast(palette['focus'], palette['paper']),
                                3)
