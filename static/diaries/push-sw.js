// Diary reminder notifications (web push). The portal's service worker imports this with
// importScripts (diaries/offline.py gives it the served URL); on its own it does only this.
// The server sends JSON: {title, body, url, stop, stop_title} (diaries/nudges.py), in the
// patient's language; the words here are for a message without them.
/* global self, clients */
self.addEventListener("push", function (event) {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(data.title || "Your headache diary", {
      body: data.body || "A day is missing from your headache diary.",
      icon: "/static/favicon.svg",
      tag: "diary-reminder",
      data: { url: data.url || "/portal/", stop: data.stop || "" },
      actions: data.stop ? [{ action: "stop", title: data.stop_title || "Stop these reminders" }] : [],
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  const target = event.action === "stop" ? event.notification.data.stop : event.notification.data.url;
  event.waitUntil(
    clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (open) {
      for (const client of open) {
        if (client.url === target && "focus" in client) return client.focus();
      }
      return clients.openWindow(target);
    })
  );
});
