// The example's app: where hub is. Change HUB to your hub's HUB_PUBLIC_URL (https in production).
App({
  globalData: {
    hub: "http://127.0.0.1:8080",
  },
});
