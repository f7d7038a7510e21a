/* An accessibility audit of the page it runs in (in the spirit of axe-core's
   rules, which cannot be fetched here): landmarks, labels, alternative
   text, heading order, names of links and buttons, unique ids, language,
   and the colour contrast of every visible text (WCAG 2 AA: 4.5:1, 3:1 for
   large text). Returns the problems found, as strings. */
var problems = [];
function fail(message, el) {
  problems.push(message + (el ? ': ' + el.outerHTML.slice(0, 120) : ''));
}
function visible(el) {
  if (el.closest('[hidden]')) { return false; }
  var s = window.getComputedStyle(el);
  return s.display !== 'none' && s.visibility !== 'hidden' &&
    el.getClientRects().length > 0;
}
function accessibleName(el) {
  var label = el.getAttribute('aria-label');
  if (label && label.trim()) { return label.trim(); }
  var by = el.getAttribute('aria-labelledby');
  if (by) {
    return by.split(/\s+/).map(function (id) {
      var n = document.getElementById(id);
      return n ? n.textContent : '';
    }).join(' ').trim();
  }
  var text = (el.textContent || '').trim();
  if (text) { return text; }
  var img = el.querySelector('img[alt]');
  return img ? img.getAttribute('alt').trim() : '';
}

if (!document.documentElement.getAttribute('lang')) { fail('<html> has no lang'); }
if (!document.title.trim()) { fail('the page has no title'); }
['header', 'nav', 'main', 'footer'].forEach(function (tag) {
  if (!document.querySelector(tag)) { fail('no <' + tag + '> landmark'); }
});
if (document.querySelectorAll('main').length !== 1) { fail('not exactly one <main>'); }
document.querySelectorAll('nav').forEach(function (el) {
  if (document.querySelectorAll('nav').length > 1 && !el.getAttribute('aria-label')) {
    fail('one of several <nav> without aria-label', el);
  }
});
document.querySelectorAll('input, select, textarea').forEach(function (el) {
  if (el.type === 'hidden') { return; }
  var labelled = (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]')) ||
    el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.closest('label');
  if (!labelled) { fail('form control without a label', el); }
});
document.querySelectorAll('img').forEach(function (el) {
  if (!el.hasAttribute('alt')) { fail('image without alt', el); }
});
var headings = Array.prototype.slice.call(document.querySelectorAll('h1, h2, h3, h4, h5, h6'));
if (headings.filter(function (h) { return h.tagName === 'H1'; }).length !== 1) {
  fail('not exactly one <h1>');
}
var previous = 0;
headings.forEach(function (h) {
  var level = parseInt(h.tagName.slice(1), 10);
  if (level > previous + 1) { fail('heading level skipped (h' + previous + ' to h' + level + ')', h); }
  if (!h.textContent.trim()) { fail('empty heading', h); }
  previous = level;
});
document.querySelectorAll('a[href], button').forEach(function (el) {
  if (!accessibleName(el)) { fail('link or button without a name', el); }
});
var seen = {};
document.querySelectorAll('[id]').forEach(function (el) {
  if (seen[el.id]) { fail('duplicate id ' + el.id, el); }
  seen[el.id] = true;
});

function rgba(text) {
  var m = text.match(/rgba?\(([^)]+)\)/);
  if (!m) { return [0, 0, 0, 0]; }
  var p = m[1].split(',').map(function (x) { return parseFloat(x); });
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}
function luminance(c) {
  var v = c.slice(0, 3).map(function (x) {
    x /= 255;
    return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
}
function background(el) {
  for (var n = el; n && n.nodeType === 1; n = n.parentElement) {
    var c = rgba(window.getComputedStyle(n).backgroundColor);
    if (c[3] > 0) { return c; }
  }
  return [255, 255, 255, 1];
}
var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
var checked = new Set();
while (walker.nextNode()) {
  var node = walker.currentNode;
  var el = node.parentElement;
  if (!node.textContent.trim() || checked.has(el) || !visible(el)) { continue; }
  checked.add(el);
  var style = window.getComputedStyle(el);
  if (parseInt(style.left, 10) < -1000) { continue; }  // off-screen skip link
  var fg = rgba(style.color), bg = background(el);
  var l1 = luminance(fg), l2 = luminance(bg);
  var ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  var size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
  var needed = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
  if (ratio < needed) {
    fail('contrast ' + ratio.toFixed(2) + ' < ' + needed, el);
  }
}
return problems;
