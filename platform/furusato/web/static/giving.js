// Giving pages: postal-code auto-fill (the donor's and a gift recipient's), the gift's and
// one-stop fields on the form; card payment on the
// payment page (confirmCardSetup, then our pay endpoint, then confirmCardPayment if asked).
// Its sentences come from the page, in the page's language (#giving-messages, JSON written by
// templates/giving/_script_messages.html); the script holds no text of its own.
(function () {
  "use strict";

  var element = document.getElementById("giving-messages");
  var text = element ? JSON.parse(element.textContent) : {};
  function t(key) { return text[key] || ""; }

  function placeText(p) { return p.prefecture + p.city + p.town; }

  // Fills `address` from `postal` (Japan Post's data through our API) and says what it found
  // in `result`; `onPlace(body)` hears of a place found (null for none).
  function postalLookup(form, postal, address, result, onPlace) {
    var lookupBase = form.dataset.lookupUrl.replace(/0000000$/, "");
    var lastCode = "";
    var lastPlace = null; // the place of the code looked up last (the address was written for it)

    // The address for a new postal code: filled in when empty or filled in by us; otherwise the
    // part that named the old code's place (prefecture, city and town, or prefecture and city)
    // is replaced and the rest the donor wrote is kept. null: an address of another form.
    function readdressed(place) {
      var value = address.value;
      if (!value || address.dataset.autofilled === "1") { return placeText(place); }
      if (value.indexOf(placeText(place)) === 0 || value.indexOf(place.prefecture + place.city) === 0) {
        return value;
      }
      if (lastPlace) {
        var full = placeText(lastPlace);
        var prefCity = lastPlace.prefecture + lastPlace.city;
        if (value.indexOf(full) === 0) { return placeText(place) + value.slice(full.length); }
        if (value.indexOf(prefCity) === 0) { return place.prefecture + place.city + value.slice(prefCity.length); }
      }
      return null;
    }

    function lookup(quietly) {
      var code = (postal.value || "").normalize("NFKC").replace(/[^0-9]/g, "");
      if (code.length !== 7 || code === lastCode) { return; }
      lastCode = code;
      fetch(lookupBase + code, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
        .then(function (res) {
          if (!res.ok) {
            // The API's own detail is Japanese for every reader: the page's sentence instead.
            result.textContent = res.body.code === "postal_code_unknown" ? t("postalNotFound") : t("postalFailed");
            onPlace(null);
            return;
          }
          var place = res.body;
          if (quietly === true) { lastPlace = place; return; } // the code the page came with
          var next = readdressed(place);
          result.textContent = t("address") + ": " + placeText(place);
          if (next === null) {
            result.textContent += " " + t("addressCheck");
          } else if (next !== address.value) {
            var wholly = !address.value || address.dataset.autofilled === "1";
            address.value = next;
            address.dataset.autofilled = wholly ? "1" : "0";
          }
          lastPlace = place;
          onPlace(place);
        })
        .catch(function () { result.textContent = ""; });
    }
    postal.addEventListener("input", lookup);
    postal.addEventListener("change", lookup);
    if (postal.value && address.value) { lookup(true); } // a returning donor's last details
    address.addEventListener("input", function () { address.dataset.autofilled = "0"; });
  }

  function giveForm(form) {
    var residentNotice = document.getElementById("resident-notice");
    postalLookup(form, form.querySelector("#postal_code"), form.querySelector("#address"),
      document.getElementById("postal-result"),
      function (place) { residentNotice.hidden = !(place && place.resident); });
    // The recipient's place decides nothing: residency is the donor's (no notice for it).
    postalLookup(form, form.querySelector("#recipient_postal_code"),
      form.querySelector("#recipient_address"),
      document.getElementById("recipient-postal-result"), function () {});

    var giftFields = document.getElementById("gift-fields");
    var recipientFields = document.getElementById("recipient-fields");
    function showGift() {
      var chosen = form.querySelector("input[name=tier]:checked");
      giftFields.hidden = !(chosen && chosen.dataset.gift === "1");
      var other = form.querySelector("input[name=ship_to]:checked");
      recipientFields.hidden = !(other && other.value === "other");
    }
    form.querySelectorAll("input[name=tier], input[name=ship_to]").forEach(function (radio) {
      radio.addEventListener("change", showGift);
    });
    showGift();

    var onestop = form.querySelector("#onestop");
    var onestopFields = document.getElementById("onestop-fields");
    function toggle() {
      onestopFields.hidden = !onestop.checked;
      onestop.setAttribute("aria-expanded", onestop.checked ? "true" : "false");
    }
    onestop.addEventListener("change", toggle);
    toggle();

    var amount = form.querySelector("#amount_yen");
    form.querySelectorAll("input[name=tier]").forEach(function (radio) {
      radio.addEventListener("change", function () {
        if (radio.checked && radio.dataset.amount) { amount.value = radio.dataset.amount; }
      });
    });
  }

  function payForm(form) {
    var stripe = window.Stripe(form.dataset.publishableKey);
    var card = stripe.elements().create("card");
    card.mount("#card-element");
    var button = document.getElementById("pay-button");
    var message = document.getElementById("pay-message");
    var progress = document.getElementById("pay-progress");
    var csrf = document.querySelector("meta[name=csrf-token]").content;

    function say(text) { message.textContent = text || ""; }
    // The card's bank refused the donor's 3-D Secure authentication, not the card itself:
    // Stripe names it in the error's code (…_authentication_failure), localstripe in its message.
    function authenticationFailed(error) {
      return /authentication/i.test((error.code || "") + " " + (error.message || ""));
    }
    function busy(text) { progress.textContent = text || ""; button.disabled = !!text; }
    function done() { window.location.assign(form.dataset.doneUrl); }

    function poll(triesLeft) {
      return fetch(form.dataset.statusUrl, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (state) { return handle(state, triesLeft); });
    }

    function handle(state, triesLeft) {
      if (state.setup_secret) { form.dataset.setupSecret = state.setup_secret; }
      if (state.status === "paid") { return done(); }
      if (state.status === "requires_action" && state.client_secret) {
        busy(t("authenticating"));
        return stripe.confirmCardPayment(state.client_secret).then(function (res) {
          if (res.error) {
            busy("");
            say(t("authFailed"));
            return null;
          }
          busy(t("checkingResult"));
          return poll(20);
        });
      }
      if (state.status === "processing" && triesLeft > 0) {
        busy(state.message || t("checkingResult"));
        return new Promise(function (resolve) { setTimeout(resolve, 1000); })
          .then(function () { return poll(triesLeft - 1); });
      }
      busy("");
      say(state.message || t("failed"));
      return null;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      say("");
      busy(t("checkingCard"));
      stripe.confirmCardSetup(form.dataset.setupSecret, { payment_method: { card: card } })
        .then(function (res) {
          if (res.error) {
            busy("");
            say(authenticationFailed(res.error) ? t("authFailed") : t("cardDeclined"));
            return null;
          }
          busy(t("paying"));
          return fetch(form.dataset.payUrl, {
            method: "POST",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
            body: JSON.stringify({ payment_method: res.setupIntent.payment_method })
          })
            .then(function (r) { return r.json(); })
            .then(function (state) { return handle(state, 20); });
        })
        .catch(function () {
          busy("");
          say(t("network"));
        });
    });

    if (form.dataset.state === "requires_action" || form.dataset.state === "processing") {
      handle({ status: form.dataset.state, client_secret: form.dataset.clientSecret }, 20);
    }
  }

  var give = document.getElementById("give-form");
  if (give) { giveForm(give); }
  var pay = document.getElementById("pay-form");
  if (pay && window.Stripe) { payForm(pay); }
})();
