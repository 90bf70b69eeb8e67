(function () {
  "use strict";
  // The page's only script (allowed by its hash). Without it the page still works: the form
  // posts natively with the values baked into it. With it:
  //  - the visited URL's ref, UTM values and code go into the forms' hidden fields;
  //  - the phone number is normalised and checked, with messages in the page's language;
  //  - the lead is sent with fetch, kept in localStorage until the endpoint confirms it, and
  //    retried (on the next visit, when the network returns, on a timer) if it could not be;
  //  - a sticky call to action shows while no submit button is on screen;
  //  - under postergen serve, a view event is sent; on the thank-you page, the hook for the
  //    visitor's own poster is revealed;
  //  - with a deadline (mechanics.deadline), the deadline text becomes a live countdown, and
  //    at the deadline the page turns to its ended state: forms hidden, "活动已结束" shown.
  var config = JSON.parse(document.getElementById("pg-config").textContent);
  var msg = config.msg || {};
  var query = window.URLSearchParams ? new URLSearchParams(window.location.search) : null;
  var forms = document.querySelectorAll("form[data-lead]");
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var codeRe = new RegExp(config.codeRe || "^$");
  var refRe = new RegExp(config.refRe || "^$");
  var clock = config.deadline;
  var ended = !!(clock && clock.ended); // built after the deadline: the page is already in its ended state

  // ------------------------------------------------------------------ what the visitor came with
  var visitCode = "";
  if (query && config.codeParam) {
    var c = (query.get(config.codeParam) || "").trim().toUpperCase();
    if (c && codeRe.test(c) && c !== config.code) visitCode = c; // kept, and flagged by its field
  }
  function carry(form) {
    if (!query) return;
    (config.carry || []).forEach(function (key) {
      var value = query.get(key);
      var input = form.elements.namedItem(key);
      if (!value || !input) return;
      if (key === "ref" && !refRe.test(value)) return;
      input.value = value.slice(0, 200);
    });
    var flag = form.elements.namedItem("visit_code");
    if (flag) flag.value = visitCode;
  }

  // ------------------------------------------------------------------ phone numbers
  function normalisePhone(value) {
    var v = String(value || "").replace(/[\s\u00a0\u3000\-().\uff08\uff09]/g, "");
    if (config.phoneCN) {
      var m = /^(?:\+|00)?86(1[3-9]\d{9})$/.exec(v);
      if (m) v = m[1];
    }
    return v;
  }
  function phoneOk(form, value) {
    var input = form.elements.namedItem("phone");
    var pattern = input && input.getAttribute("pattern");
    if (!value) return false;
    try {
      return new RegExp("^(?:" + pattern + ")$").test(value);
    } catch (e) {
      return true;
    }
  }

  // ------------------------------------------------------------------ inline messages
  function setError(form, name, text) {
    var box = form.querySelector("[data-error-for='" + name + "']");
    var input = form.elements.namedItem(name);
    if (box) {
      box.textContent = text || "";
      box.hidden = !text;
    }
    if (input && input.setAttribute) {
      if (text) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
      var field = input.closest && input.closest(".field");
      if (field) field.classList.toggle("invalid", !!text);
    }
  }
  function status(form, text, kind, retry) {
    var box = form.querySelector("[data-status]");
    if (!box) return;
    box.className = "status" + (kind ? " " + kind : "");
    box.textContent = text || "";
    if (retry) {
      var again = document.createElement("button");
      again.type = "button";
      again.className = "retry";
      again.textContent = msg.retry;
      again.addEventListener("click", function () { submit(form); });
      box.appendChild(document.createTextNode(" "));
      box.appendChild(again);
    }
    box.hidden = !text;
    // The visitor must see it: it sits under the button, maybe under the screen's edge.
    if (text && kind !== "busy" && box.scrollIntoView) box.scrollIntoView({block: "nearest", behavior: "smooth"});
  }
  function check(form) {
    var first = null;
    var phone = form.elements.namedItem("phone");
    var value = normalisePhone(phone.value);
    if (phone.value !== value && phoneOk(form, value)) phone.value = value;
    if (!value) {
      setError(form, "phone", msg.phoneMissing);
      first = phone;
    } else if (!phoneOk(form, value)) {
      setError(form, "phone", msg.phoneBad);
      first = phone;
    } else {
      setError(form, "phone", "");
    }
    var consent = form.elements.namedItem("consent");
    if (consent && !consent.checked) {
      setError(form, "consent", msg.consentMissing);
      first = first || consent;
    } else {
      setError(form, "consent", "");
    }
    return first;
  }

  // ------------------------------------------------------------------ the outbox
  var KEY = "postergen:leads";
  var WEEK = 7 * 24 * 3600 * 1000;
  var memory = [];
  function load() {
    try {
      var items = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return items.filter(function (it) { return it && it.url && Date.now() - it.t < WEEK; });
    } catch (e) {
      return memory.slice();
    }
  }
  function save(items) {
    memory = items.slice();
    try {
      window.localStorage.setItem(KEY, JSON.stringify(items));
      return true;
    } catch (e) {
      return false;
    }
  }
  function keep(item) {
    return save(load().filter(function (it) { return it.id !== item.id; }).concat([item]));
  }
  function drop(item) {
    save(load().filter(function (it) { return it.id !== item.id; }));
  }
  function newId() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  function sameOrigin(url) {
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch (e) {
      return false;
    }
  }

  // One attempt. Resolves to {state: "ok" | "invalid" | "retry", data, url}.
  function send(item) {
    var options = {
      method: "POST",
      body: item.body,
      headers: {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8", "Accept": "application/json"},
      credentials: sameOrigin(item.url) ? "same-origin" : "omit",
      keepalive: item.body.length < 60000,
      // An endpoint that answers with a redirect (to a thank-you page) has taken the lead;
      // following it across origins would fail CORS, so it is not followed.
      redirect: "manual"
    };
    return window.fetch(item.url, options).then(function (res) {
      if (res.type === "opaqueredirect" || (res.status >= 300 && res.status < 400)) return {state: "ok", data: {}};
      var type = res.headers.get("Content-Type") || "";
      var read = /json/i.test(type) ? res.json().catch(function () { return null; }) : Promise.resolve(null);
      return read.then(function (data) {
        var rejected = data && data.ok === false;
        if (res.status >= 500 || res.status === 408 || res.status === 429) return {state: "retry", data: data};
        if (rejected || res.status === 400 || res.status === 422) return {state: "invalid", data: data || {}};
        if (res.status >= 400) return {state: "retry", data: data};
        return {state: "ok", data: data || {}};
      });
    }, function () {
      return {state: "retry"};
    });
  }

  function thanksUrl(result) {
    var next = config.lead.thanks;
    var poster = result.data && result.data.poster_url;
    if (poster && sameOrigin(poster)) next += (next.indexOf("?") < 0 ? "?" : "&") + "poster=" + encodeURIComponent(poster);
    return next;
  }

  var timer = null;
  var delays = [3000, 10000, 30000, 60000];
  var tries = 0;
  function schedule() {
    if (timer) return;
    timer = window.setTimeout(function () {
      timer = null;
      flush();
    }, delays[Math.min(tries++, delays.length - 1)]);
  }

  var pending = {}; // lead id → the form it was sent from, in this visit
  function done(item, result) {
    var form = pending[item.id];
    drop(item);
    delete pending[item.id];
    if (!form) return false;
    status(form, msg.done, "ok");
    form.classList.add("sent");
    window.location.assign(thanksUrl(result));
    return true;
  }

  function submit(form) {
    each(form.querySelectorAll(".retry"), function (b) { b.remove(); });
    var bad = check(form);
    if (bad) {
      status(form, "");
      bad.focus();
      if (bad.scrollIntoView) bad.scrollIntoView({block: "center"});
      return;
    }
    var id = form.elements.namedItem("lead_id");
    if (id && !id.value) id.value = newId();
    var item = {url: form.getAttribute("action") || config.lead.url, body: new URLSearchParams(new FormData(form)).toString(), id: id ? id.value : newId(), t: Date.now()};
    var stored = keep(item);
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    status(form, msg.sending, "busy");
    pending[item.id] = form;
    send(item).then(function (result) {
      if (result.state === "ok") return done(item, result);
      if (button) button.disabled = false;
      if (result.state === "invalid") {
        drop(item);
        var data = result.data || {};
        var field = data.field && form.querySelector("[data-error-for='" + data.field + "']") ? data.field : null;
        var text = data.error || msg.rejected;
        if (field) {
          setError(form, field, text);
          status(form, "");
          var input = form.elements.namedItem(field);
          if (input && input.focus) input.focus();
        } else {
          status(form, text, "error");
        }
        return;
      }
      status(form, stored ? msg.saved : msg.failed, "warn", true);
      schedule();
    });
  }

  // Leads kept from earlier attempts (this visit or an earlier one): send them again.
  var flushing = false;
  function flush() {
    if (flushing || !window.fetch) return;
    var items = load();
    if (!items.length) return;
    flushing = true;
    var sent = 0;
    var left = 0;
    var next = function (i) {
      if (i >= items.length) {
        flushing = false;
        if (sent) each(forms, function (form) {
          if (!form.classList.contains("sent")) status(form, msg.sentLater, "ok");
        });
        if (left) schedule();
        return;
      }
      send(items[i]).then(function (result) {
        if (result.state === "retry") left++;
        else if (result.state === "ok") {
          if (!done(items[i], result)) sent++; // this visit's own lead: on to the thank-you page
        } else {
          drop(items[i]);
        }
        next(i + 1);
      });
    };
    next(0);
  }

  each(forms, function (form) {
    carry(form);
    if (!window.fetch || !window.FormData || !query) {
      // Old browsers: the native post, once per tap.
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type=submit]");
        if (button) window.setTimeout(function () { button.disabled = true; }, 0);
      });
      return;
    }
    form.noValidate = true; // our messages, in the page's language, instead of the browser's bubble
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submit(form);
    });
    var phone = form.elements.namedItem("phone");
    // A message goes as soon as the number is right (while typing, so nothing moves under
    // the finger on the next tap); the number is tidied when the field is left.
    phone.addEventListener("input", function () {
      if (phone.getAttribute("aria-invalid") && phoneOk(form, normalisePhone(phone.value))) setError(form, "phone", "");
    });
    phone.addEventListener("blur", function () {
      var value = normalisePhone(phone.value);
      if (value !== phone.value && phoneOk(form, value)) phone.value = value;
    });
    var consent = form.elements.namedItem("consent");
    if (consent) consent.addEventListener("change", function () { if (consent.checked) setError(form, "consent", ""); });
  });
  window.addEventListener("pageshow", function () {
    each(document.querySelectorAll("form[data-lead] button[type=submit]"), function (b) { b.disabled = false; });
  });
  window.addEventListener("online", flush);
  flush();

  // ------------------------------------------------------------------ sticky call to action
  var cta = document.getElementById("pg-cta");
  if (cta && window.IntersectionObserver) {
    var buttons = Array.prototype.slice.call(document.querySelectorAll("form[data-lead] button[type=submit]"));
    var shown = buttons.map(function () { return false; });
    var typing = false;
    var update = function () { cta.hidden = ended || typing || shown.indexOf(true) >= 0; };
    var seen = new window.IntersectionObserver(function (entries) {
      // A button counts as on screen when (nearly) all of it is.
      entries.forEach(function (e) { shown[buttons.indexOf(e.target)] = e.intersectionRatio >= 0.9; });
      update();
    }, {threshold: [0, 0.9, 1]});
    buttons.forEach(function (b) { seen.observe(b); });
    // Hidden while the visitor types (the keyboard is up); shown again a moment after, so a
    // tap that moves the focus is not caught by the bar appearing under the finger.
    var later = null;
    document.addEventListener("focusin", function (e) {
      window.clearTimeout(later);
      typing = /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
      update();
    });
    document.addEventListener("focusout", function () {
      window.clearTimeout(later);
      later = window.setTimeout(function () { typing = false; update(); }, 600);
    });
    cta.querySelector("a").addEventListener("click", function (event) {
      var form = forms[0];
      if (!form) return;
      event.preventDefault();
      var phone = form.elements.namedItem("phone");
      var consent = form.elements.namedItem("consent");
      if (phone.value && (!consent || consent.checked)) return submit(form);
      form.scrollIntoView({block: "center", behavior: "smooth"});
      (phone.value ? consent : phone).focus({preventScroll: true});
    });
  }

  // ------------------------------------------------------------------ the deadline
  // The visitor's clock decides: the deadline text becomes "还剩 3天 04:05:06", ticking on the
  // second; at the deadline the text is back and the page turns to its ended state. Whole
  // seconds are rounded up, so the page ends exactly when 00:00:01 would go.
  var countdown = document.getElementById("pg-countdown");
  var shownText = countdown && countdown.querySelector(".cd-static");
  var live = countdown && countdown.querySelector(".cd-live");
  function endCampaign() {
    ended = true;
    if (live) live.hidden = true;
    if (shownText) shownText.hidden = false; // "7月14日 23:59 截止"
    each(document.querySelectorAll("[data-while]"), function (el) {
      el.hidden = el.getAttribute("data-while") !== "ended";
    });
    // A section whose heading went with the live campaign is named by what stays.
    each(document.querySelectorAll("[data-label-ended]"), function (el) {
      el.setAttribute("aria-labelledby", el.getAttribute("data-label-ended"));
    });
    each(forms, function (form) { form.hidden = true; });
    if (cta) cta.hidden = true;
  }
  if (clock && !ended) {
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    var nums = null; // the number spans, made once (and again when the days run out)
    var build = function (withDays) {
      var add = function (text, cls) {
        var el = document.createElement("span");
        if (cls) el.className = cls;
        el.textContent = text;
        live.appendChild(el);
        return el;
      };
      while (live.firstChild) live.removeChild(live.firstChild);
      nums = [];
      add(clock.left, "cd-label");
      live.appendChild(document.createTextNode(" "));
      if (withDays) {
        nums.push(add("", "cd-num"));
        add(clock.days);
        live.appendChild(document.createTextNode(" "));
      }
      for (var i = 0; i < 3; i++) {
        if (i) add(":");
        nums.push(add("", "cd-num cd-2"));
      }
    };
    var tick = function () {
      var left = clock.at - Date.now();
      if (left <= 0) return endCampaign();
      if (live) {
        var s = Math.ceil(left / 1000);
        var values = [Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60].map(two);
        if (s >= 86400) values.unshift(String(Math.floor(s / 86400)));
        if (!nums || nums.length !== values.length) build(values.length === 4);
        values.forEach(function (v, i) { if (nums[i].textContent !== v) nums[i].textContent = v; });
        live.hidden = false;
        if (shownText) shownText.hidden = true;
      }
      // the next whole second of what is left (a hidden tab's late timer just catches up)
      window.setTimeout(tick, left % 1000 || 1000);
    };
    tick();
  }

  // ------------------------------------------------------------------ events (postergen serve)
  if (config.events && navigator.sendBeacon && window.URLSearchParams) {
    var view = new URLSearchParams();
    view.set("type", "view");
    var t = config.track || {};
    Object.keys(t).forEach(function (k) { view.set(k, t[k]); });
    view.set("visit_code", visitCode);
    (config.carry || []).forEach(function (key) {
      var value = query.get(key);
      if (value && (key !== "ref" || refRe.test(value))) view.set(key, value.slice(0, 200));
    });
    view.set("path", window.location.pathname);
    navigator.sendBeacon(config.events, view);
  }

  // ------------------------------------------------------------------ thank-you page
  var posterBox = document.getElementById("pg-poster");
  if (posterBox && query) {
    var poster = query.get("poster");
    var link = document.getElementById("pg-poster-link");
    if (poster && link && sameOrigin(poster) && /^https?:$/.test(new URL(poster, window.location.href).protocol)) {
      link.href = new URL(poster, window.location.href).href;
      posterBox.hidden = false;
    }
  }

  // ------------------------------------------------------------------ WeChat share card
  // Through the JS-SDK, only inside WeChat and only when the spec gives a signing endpoint
  // (landing.share.wechat_sign_url).
  var wx = config.wechat;
  if (!wx || !/MicroMessenger/i.test(navigator.userAgent)) return;
  var here = window.location.href.split("#")[0];
  var request = new XMLHttpRequest();
  request.open("GET", wx.sign + (wx.sign.indexOf("?") < 0 ? "?" : "&") + "url=" + encodeURIComponent(here));
  request.onload = function () {
    if (request.status !== 200) return;
    var sig = JSON.parse(request.responseText);
    var sdk = document.createElement("script");
    sdk.src = wx.sdk;
    sdk.referrerPolicy = "no-referrer";
    sdk.onload = function () {
      var api = window.wx;
      api.config({
        debug: false, appId: sig.appId, timestamp: sig.timestamp, nonceStr: sig.nonceStr,
        signature: sig.signature, jsApiList: ["updateAppMessageShareData", "updateTimelineShareData"]
      });
      api.ready(function () {
        var card = {
          title: wx.title, desc: wx.desc, link: here,
          imgUrl: wx.image ? new URL(wx.image, here).href : ""
        };
        api.updateAppMessageShareData(card);
        api.updateTimelineShareData(card);
      });
    };
    document.head.appendChild(sdk);
  };
  request.send();
})();
