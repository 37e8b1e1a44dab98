package livepage

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// serveEvents serves api/events, the live updates as server-sent events:
// after each snapshot, an "update" event whose data is the State of the
// snapshots the stream has not sent yet, on one line; when idle, a
// keepalive comment every p.keepalive. With since=SEQ, the snapshots after
// SEQ that are already held are sent at once. It serves MaxStreams at a
// time, cuts a client that does not read for p.stall, and ends with the
// request's context or the server's Shutdown.
func (p *Page) serveEvents(w http.ResponseWriter, r *http.Request) {
	q, err := queryParams(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if p.streams.Add(1) > MaxStreams {
		p.streams.Add(-1)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("livepage: too many live pages are open (at most " + strconv.Itoa(MaxStreams) +
			" at once); this one will poll api/state instead\n"))
		return
	}
	defer p.streams.Add(-1)

	sent, epoch := q.seq, q.epoch // the page's: a page of another history gets it whole
	if q.all {
		sent, epoch = p.hist.newest() // nothing is replayed: what comes after the stream opened is sent
	}
	s := stream{w: w, rc: http.NewResponseController(w), stall: p.stall}
	_ = s.rc.SetReadDeadline(time.Time{}) // a server's ReadTimeout would end the stream
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // for a proxy in front: do not hold events back
	w.WriteHeader(http.StatusOK)
	if s.send([]byte(": vitals live updates\n\n")) != nil {
		return
	}

	ctx := r.Context()
	var shutdown <-chan struct{}
	if srv, ok := ctx.Value(http.ServerContextKey).(*http.Server); ok {
		shutdown = p.shutdowns.of(srv)
	}
	keepalive := time.NewTicker(p.keepalive)
	defer keepalive.Stop()
	for {
		changed := p.hist.wait() // before reading seq, so that no snapshot is missed
		if seq, ep := p.hist.newest(); seq != sent || (epoch != 0 && ep != epoch) {
			part, seq, ep := p.historyPart(query{seq: sent, epoch: epoch})
			msg := append([]byte("event: update\ndata: "), part...)
			msg = append(p.appendLive(ctx, msg), "\n\n"...)
			if s.send(msg) != nil {
				return
			}
			sent, epoch = seq, ep
			keepalive.Reset(p.keepalive)
		}
		select {
		case <-changed:
		case <-keepalive.C:
			if s.send([]byte(": keepalive\n\n")) != nil {
				return
			}
		case <-ctx.Done():
			return
		case <-shutdown:
			return
		}
	}
}

// stream writes the events of one api/events response.
type stream struct {
	w     http.ResponseWriter
	rc    *http.ResponseController
	stall time.Duration
}

// send writes and flushes msg, failing if the client has not taken it
// within s.stall.
func (s *stream) send(msg []byte) error {
	err := s.rc.SetWriteDeadline(time.Now().Add(s.stall))
	if err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if _, err := s.w.Write(msg); err != nil {
		return err
	}
	return s.rc.Flush()
}

// shutdowns tells streams that their server is shutting down: net/http's
// Shutdown waits for handlers to return but does not cancel their
// requests' contexts.
type shutdowns struct {
	mu      sync.Mutex
	servers map[*http.Server]chan struct{}
}

// of returns a channel closed when srv starts to shut down.
func (s *shutdowns) of(srv *http.Server) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.servers[srv]; ok {
		return ch
	}
	if s.servers == nil {
		s.servers = map[*http.Server]chan struct{}{}
	}
	ch := make(chan struct{})
	s.servers[srv] = ch
	srv.RegisterOnShutdown(func() { close(ch) })
	return ch
}
