// hub's public API for a mini-program: sign in once with wx.login, then send the bearer token.
const TOKEN_KEY = "hub_token";

function hub() {
  return getApp().globalData.hub;
}

/** One JSON call; resolves with the body, rejects with hub's {code, message} error. */
function request(method, path, data, token) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: hub() + path,
      method,
      data,
      header: token ? { Authorization: "Bearer " + token } : {},
      success(res) {
        if (res.statusCode >= 200 && res.statusCode < 300) resolve(res.data);
        else reject((res.data && res.data.error) || { code: "http_" + res.statusCode, message: "" });
      },
      fail(err) {
        reject({ code: "network", message: err.errMsg });
      },
    });
  });
}

/** wx.login's code to POST /api/mp/login; the token is kept until hub answers 401. */
function login() {
  return new Promise((resolve, reject) => {
    wx.login({
      success({ code }) {
        request("POST", "/api/mp/login", { code })
          .then((answer) => {
            wx.setStorageSync(TOKEN_KEY, answer.token);
            resolve(answer.token);
          })
          .catch(reject);
      },
      fail: reject,
    });
  });
}

/** A call as the signed-in user; signs in first, and once more after a 401 (revoked, expired). */
async function call(method, path, data) {
  let token = wx.getStorageSync(TOKEN_KEY) || (await login());
  try {
    return await request(method, path, data, token);
  } catch (err) {
    if (err.code !== "unauthorized") throw err;
    wx.removeStorageSync(TOKEN_KEY);
    token = await login();
    return request(method, path, data, token);
  }
}

/** The egg.js-compatible room list: GET /live/getRoomList (no sign-in needed). */
function rooms(pageNum, pageSize) {
  return request("GET", `/live/getRoomList?pageNum=${pageNum}&pageSize=${pageSize}`);
}

/** The meeting socket: wx.connectSocket sends no cookie, so a one-minute ticket opens it. */
async function openSocket(number) {
  const ticket = await call("POST", `/api/meetings/${number}/ws-ticket`);
  const url = hub().replace(/^http/, "ws") + ticket.url;
  return wx.connectSocket({ url });
}

module.exports = { call, login, rooms, openSocket };
