// The exchange WHIP (RFC 9725) and WHEP share, for the test pages: the whole offer (every ICE
// candidate gathered first, since the gateway takes no trickle) POSTed with a Bearer token, the
// resource URL kept, the answer applied. `step` names where a failure happened.
let step = 'start';

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

async function gatheringDone(pc, timeoutMs) {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise((resolve) => {
    const t = setTimeout(resolve, timeoutMs);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); }
    });
  });
}

// Offers `pc` (or `offerSdp` instead of its own offer) to `url`; fills result.status, and
// result.location on 201 (true returned) or result.body otherwise (pc closed, false returned).
async function offerTo(pc, url, token, result, offerSdp) {
  step = 'offer';
  await pc.setLocalDescription(await pc.createOffer());
  await gatheringDone(pc, 3000);
  const headers = { 'Content-Type': 'application/sdp' };
  if (token) headers.Authorization = 'Bearer ' + token;
  step = 'POST';
  const res = await fetch(url, { method: 'POST', headers, body: offerSdp ?? pc.localDescription.sdp });
  result.status = res.status;
  const body = await res.text();
  if (res.status !== 201) {
    result.body = body;
    pc.close();
    return false;
  }
  result.location = new URL(res.headers.get('Location'), url).href;
  step = 'answer';
  await pc.setRemoteDescription({ type: 'answer', sdp: body });
  return true;
}

// Ends the session the resource URL names.
async function deleteResource(result, token) {
  step = 'DELETE';
  const del = await fetch(result.location, { method: 'DELETE', headers: token ? { Authorization: 'Bearer ' + token } : {} });
  result.delete_status = del.status;
}
