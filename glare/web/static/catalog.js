/* The web catalog's one script: signing in with a pasted API token, and
   starring and reviewing through the API with it. Reading the catalog
   needs none of it. The token lives in this tab's sessionStorage and is
   only ever sent in the X-Auth-Token header of a call to the API (never
   in a cookie), so another site cannot make the browser write. */
(function () {
  'use strict';
  var KEY = 'glare-catalog-token';

  function token() {
    try { return window.sessionStorage.getItem(KEY); } catch (e) { return null; }
  }

  function setToken(value) {
    try {
      if (value) { window.sessionStorage.setItem(KEY, value); }
      else { window.sessionStorage.removeItem(KEY); }
    } catch (e) { /* storage refused: stay signed out */ }
  }

  function say(text, isError) {
    var out = document.getElementById('action-status');
    if (!out) { return; }
    out.textContent = text;
    out.className = 'status' + (isError ? ' error' : '');
  }

  function errorText(resp) {
    return resp.json().then(function (doc) {
      return (doc && doc.error && doc.error.message) || resp.statusText;
    }, function () { return resp.status + ' ' + resp.statusText; });
  }

  function api(method, path, body) {
    var headers = {'X-Auth-Token': token(), 'Accept': 'application/json'};
    var init = {method: method, headers: headers, credentials: 'omit',
                cache: 'no-store'};
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return window.fetch(document.body.dataset.apiRoot + path, init);
  }

  function refresh() {
    var signedIn = !!token();
    document.body.classList.toggle('signed-in', signedIn);
    document.body.classList.toggle('signed-out', !signedIn);
    var nodes = document.querySelectorAll('.needs-token');
    for (var i = 0; i < nodes.length; i++) { nodes[i].hidden = !signedIn; }
  }

  function artifactPath(suffix) {
    var art = document.getElementById('artifact');
    return '/artifacts/' + encodeURIComponent(art.dataset.type) + '/' +
      encodeURIComponent(art.dataset.id) + suffix;
  }

  function reloadWith(message) {
    say(message + ' – updating the page…', false);
    window.setTimeout(function () { window.location.reload(); }, 400);
  }

  function star(method, done) {
    api(method, artifactPath('/star')).then(function (resp) {
      if (resp.status === 204) { reloadWith(done); return; }
      errorText(resp).then(function (t) { say(t, true); });
    }, function () { say('The API could not be reached.', true); });
  }

  function review(event) {
    event.preventDefault();
    var form = event.target;
    var comment = form.elements.comment.value;
    var body = {rating: parseInt(form.elements.rating.value, 10)};
    if (comment) { body.comment = comment; }
    api('POST', artifactPath('/reviews'), body).then(function (resp) {
      if (resp.status === 201) { reloadWith('Review published'); return; }
      errorText(resp).then(function (t) { say(t, true); });
    }, function () { say('The API could not be reached.', true); });
  }

  function on(id, type, handler) {
    var node = document.getElementById(id);
    if (node) { node.addEventListener(type, handler); }
  }

  document.addEventListener('DOMContentLoaded', function () {
    var signin = document.getElementById('signin');
    if (signin) { signin.hidden = false; }
    on('signin-form', 'submit', function (event) {
      event.preventDefault();
      var field = document.getElementById('signin-token');
      setToken(field.value.trim());
      field.value = '';
      refresh();
      say('Signed in for this tab.', false);
    });
    on('signout', 'click', function () {
      setToken(null);
      refresh();
      say('Signed out.', false);
    });
    on('star-btn', 'click', function () { star('PUT', 'Starred'); });
    on('unstar-btn', 'click', function () { star('DELETE', 'Star removed'); });
    on('review-form', 'submit', review);
    refresh();
  });
}());
