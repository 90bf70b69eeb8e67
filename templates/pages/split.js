(function () {
  "use strict";
  // postergen A/B split: each visitor gets one variant, by a hash of a visitor id kept in
  // localStorage, in proportion to the weights. ?ab=<variant> forces one; a URL that carries
  // one of this channel's codes opens that code's variant. Every other parameter (ref, UTM
  // values) and the fragment are passed on.
  var data = JSON.parse(document.getElementById("pg-split").textContent);
  var variants = data.variants; // [[name, href, weight], …]
  function fnv1a(text) {
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    // MurmurHash3's finaliser: every input bit reaches the high bits used for buckets.
    h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
    return h >>> 0;
  }
  function assign(visitor) {
    var total = 0, i;
    for (i = 0; i < variants.length; i++) total += variants[i][2];
    var u = fnv1a(data.salt + ":" + visitor) / 4294967296 * total;
    for (i = 0; i < variants.length; i++) {
      u -= variants[i][2];
      if (u < 0) return variants[i][0];
    }
    return variants[variants.length - 1][0];
  }
  function visitorId() {
    var id = null;
    try { id = window.localStorage.getItem(data.key); } catch (e) {}
    if (!id) {
      var bytes = new Uint8Array(8);
      (window.crypto || window.msCrypto).getRandomValues(bytes);
      id = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
      try { window.localStorage.setItem(data.key, id); } catch (e) {}
    }
    return id;
  }
  window.postergenSplit = { assign: assign, variants: variants };
  if (window.postergenSplitNoRedirect) return;
  var params = new URLSearchParams(window.location.search);
  var names = variants.map(function (v) { return v[0]; });
  var forced = params.get("ab");
  var code = (params.get(data.codeParam) || "").trim().toUpperCase();
  var chosen = names.indexOf(forced) >= 0 ? forced : (data.codes[code] || assign(visitorId()));
  params.delete("ab");
  var query = params.toString();
  window.location.replace(variants[names.indexOf(chosen)][1] + (query ? "?" + query : "") + window.location.hash);
})();
