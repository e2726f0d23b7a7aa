// Diary reminders page: subscribe this browser to web push (the VAPID public key is on #push)
// and send the subscription to the server. The notifications themselves are shown by
// push-sw.js, which the portal's service worker imports (or which runs on its own).
(function () {
  "use strict";
  const box = document.getElementById("push");
  const button = document.getElementById("push-allow");
  if (!box || !button) return;
  const status = document.getElementById("push-status");
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) return;
  document.getElementById("push-unsupported").hidden = true;
  button.hidden = false;

  function applicationServerKey(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), function (c) { return c.charCodeAt(0); });
  }

  async function registration() {
    const existing = await navigator.serviceWorker.getRegistration("/portal/");
    if (existing) return existing;
    return navigator.serviceWorker.register(box.dataset.workerUrl);
  }

  button.addEventListener("click", async function () {
    status.textContent = box.dataset.textAsking;
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        status.textContent = box.dataset.textDenied;
        return;
      }
      const worker = await registration();
      await navigator.serviceWorker.ready;
      const subscription = (await worker.pushManager.getSubscription()) ||
        (await worker.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: applicationServerKey(box.dataset.vapidKey),
        }));
      const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
      const response = await fetch(box.dataset.subscribeUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(subscription.toJSON()),
        credentials: "same-origin",
      });
      const answer = await response.json();
      status.textContent = answer.message || answer.error;
      if (response.ok) {
        const push = document.querySelector("input[name=channel][value=push]");
        if (push) push.checked = true;
        status.textContent += ` ${box.dataset.textChoosePush}`;
      }
    } catch (error) {
      status.textContent = box.dataset.textFailed.replace("{error}", error.message);
    }
  });
})();
