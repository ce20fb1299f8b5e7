// A meeting's chat: the details over the API, then the socket opened with a ws ticket.
const api = require("../../utils/api.js");

Page({
  data: { number: "", title: "", messages: [], draft: "", open: false, last: "" },

  onLoad(query) {
    this.setData({ number: query.number });
    api
      .call("GET", `/api/meetings/${query.number}`)
      .then((meeting) => this.setData({ title: meeting.title }))
      .then(() => this.connect())
      .catch((err) => wx.showToast({ title: err.message || "无法打开会议", icon: "none" }));
  },

  onUnload() {
    this.closing = true;
    if (this.socket) this.socket.close({});
  },

  async connect() {
    const socket = await api.openSocket(this.data.number);
    this.socket = socket;
    socket.onOpen(() => this.setData({ open: true }));
    socket.onMessage(({ data }) => this.onFrame(JSON.parse(data)));
    socket.onClose(({ code }) => {
      this.setData({ open: false });
      // 4409: the meeting ended. Anything else: reconnect with a fresh ticket.
      if (!this.closing && code !== 4409) setTimeout(() => this.connect(), 2000);
    });
  },

  onFrame(frame) {
    if (frame.type !== "chat") return;
    const messages = this.data.messages.filter((m) => m.seq !== frame.seq).concat([frame]);
    this.setData({ messages: messages.slice(-200), last: "m" + frame.seq });
  },

  onDraft(e) {
    this.setData({ draft: e.detail.value });
  },

  send() {
    const text = this.data.draft.trim();
    if (!text || !this.socket) return;
    const clientId = "mp-" + Date.now() + "-" + Math.random().toString(36).slice(2, 8);
    this.socket.send({ data: JSON.stringify({ type: "chat", text, client_id: clientId }) });
    this.setData({ draft: "" });
  },
});
