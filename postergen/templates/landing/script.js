(function () {
  "use strict";
  // Keep the visited URL's UTM values and personal ref in the lead forms' hidden fields.
  // Without JavaScript the values baked into the page are sent instead.
  var config = JSON.parse(document.getElementById("pg-config").textContent);
  var forms = document.querySelectorAll("form[data-lead]");
  var query = window.URLSearchParams ? new URLSearchParams(window.location.search) : null;
  Array.prototype.forEach.call(forms, function (form) {
    if (query) {
      config.carry.forEach(function (key) {
        var value = query.get(key);
        var input = form.elements.namedItem(key);
        if (value && input) input.value = value.slice(0, 200);
      });
    }
    // One submission per tap; re-enabled when the page comes back from the history cache.
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-lead] button"), function (b) {
      b.disabled = false;
    });
  });

  // WeChat share card through the JS-SDK, only inside WeChat and only when the spec gives
  // a signing endpoint (landing.share.wechat_sign_url).
  var wx = config.wechat;
  if (!wx || !/MicroMessenger/i.test(navigator.userAgent)) return;
  var link = window.location.href.split("#")[0];
  var request = new XMLHttpRequest();
  request.open("GET", wx.sign + (wx.sign.indexOf("?") < 0 ? "?" : "&") + "url=" + encodeURIComponent(link));
  request.onload = function () {
    if (request.status !== 200) return;
    var sig = JSON.parse(request.responseText);
    var sdk = document.createElement("script");
    sdk.src = wx.sdk;
    sdk.onload = function () {
      var api = window.wx;
      api.config({
        debug: false, appId: sig.appId, timestamp: sig.timestamp, nonceStr: sig.nonceStr,
        signature: sig.signature, jsApiList: ["updateAppMessageShareData", "updateTimelineShareData"]
      });
      api.ready(function () {
        var card = {
          title: wx.title, desc: wx.desc, link: link,
          imgUrl: wx.image ? new URL(wx.image, link).href : ""
        };
        api.updateAppMessageShareData(card);
        api.updateTimelineShareData(card);
      });
    };
    document.head.appendChild(sdk);
  };
  request.send();
})();
