// The room list (hub's egg.js-compatible /live/getRoomList) and a box to join a meeting.
const api = require("../../utils/api.js");

Page({
  data: { rooms: [], number: "", error: "" },

  onLoad() {
    this.load();
  },

  onPullDownRefresh() {
    this.load().finally(() => wx.stopPullDownRefresh());
  },

  load() {
    return api
      .rooms(1, 20)
      .then((page) => this.setData({ rooms: page.data, error: "" }))
      .catch((err) => this.setData({ error: err.message || "加载失败" }));
  },

  onNumber(e) {
    this.setData({ number: e.detail.value });
  },

  join() {
    const number = this.data.number;
    api
      .call("POST", `/api/meetings/${number}/join`)
      .then(() => wx.navigateTo({ url: `/pages/meeting/meeting?number=${number}` }))
      .catch((err) => wx.showToast({ title: err.message || "无法加入", icon: "none" }));
  },
});
