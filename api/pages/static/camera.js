// The camera of the hosted capture page: one live stream at a time, shown in a <video>, and a
// still frame of it as a JPEG. Rear camera for documents, front camera for selfies.
"use strict";
window.KycCamera = (() => {
  let stream = null;

  function stop(video) {
    if (stream) {
      for (const track of stream.getTracks()) track.stop();
      stream = null;
    }
    video.srcObject = null;
  }

  async function start(video, selfie) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return false;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: {
          facingMode: { ideal: selfie ? "user" : "environment" },
          width: { ideal: 1920 },
          height: { ideal: 1080 },
        },
      });
    } catch (_) {
      return false;
    }
    video.srcObject = stream;
    return true;
  }

  function still(video, done) {
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob((blob) => blob && done(blob), "image/jpeg", 0.92);
  }

  return { start, stop, still, live: () => stream !== null };
})();
