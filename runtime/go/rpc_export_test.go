package tachyon

// PostReplyAs answers r's call under another call id: the tests' hostile
// server (a well-behaved one cannot do this through the public API).
func PostReplyAs(r *Responder, id uint64, body []byte) error {
	return (&Responder{r: r.r, id: id, method: r.method}).Reply(body)
}
