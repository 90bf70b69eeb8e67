(function () {
  "use strict";
  // A short link: forward to the landing page at once, keeping the parameters this link
  // was opened with (ref, UTM values). Hosts that apply _redirects never serve this page.
  var target = new URL(JSON.parse(document.getElementById("pg-target").textContent));
  new URLSearchParams(window.location.search).forEach(function (value, key) {
    if (!target.searchParams.has(key)) target.searchParams.set(key, value);
  });
  target.hash = target.hash || window.location.hash;
  window.location.replace(target.toString());
})();
