package query

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/ec2lite/enidetach/internal/redact"
)

// log writes a debug record when a logger is set.
func (e *Engine) log(ctx context.Context, msg string, attrs ...slog.Attr) {
	if e.s.Logger == nil || !e.s.Logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	e.s.Logger.LogAttrs(ctx, slog.LevelDebug, msg, attrs...)
}

// logAttempt writes one debug record per attempt, with what was sent
// (sent) redacted.
func (e *Engine) logAttempt(ctx context.Context, action string, req *http.Request, resp *http.Response, start time.Time, err error, sent *redact.Secrets) {
	if e.s.Logger == nil || !e.s.Logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("action", action),
		slog.String("url", req.URL.String()),
		slog.Any("request_headers", redact.Headers(req.Header)),
		slog.Duration("duration", time.Since(start)),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode), slog.String("request_id", sent.RedactString(requestIDFromHeader(resp.Header))))
	}
	if err != nil {
		// Redacted again: a transport failure's message may quote a
		// malformed response (net/http's "malformed HTTP response ...").
		attrs = append(attrs, slog.String("error", sent.RedactString(err.Error())))
	}
	e.s.Logger.LogAttrs(ctx, slog.LevelDebug, "enidetach: attempt", attrs...)
}
