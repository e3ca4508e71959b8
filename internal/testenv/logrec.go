package testenv

import (
	"context"
	"log/slog"
	"math"
	"strings"
	"sync"
)

// LogRecord is one record a LogRecorder kept.
type LogRecord struct {
	Level   slog.Level
	Message string
	// Attrs are the record's attributes after those of Logger.With; the
	// keys of a Logger.WithGroup are qualified as "group.key".
	Attrs []slog.Attr
}

// String is the message and the attributes: "msg key=value key=value".
func (r LogRecord) String() string {
	var b strings.Builder
	b.WriteString(r.Message)
	for _, a := range r.Attrs {
		b.WriteByte(' ')
		b.WriteString(a.Key)
		b.WriteByte('=')
		b.WriteString(a.Value.String())
	}
	return b.String()
}

// LogRecorder is a slog.Handler that keeps the records logged to it, for
// tests that check what code under test logged. It is safe for concurrent
// use; its zero value is ready and keeps every level. Handlers made by
// WithAttrs and WithGroup keep their records in the recorder they came from.
//
//	rec := &testenv.LogRecorder{}
//	c := New(slog.New(rec))
//	... rec.Lines(slog.LevelWarn)
type LogRecorder struct {
	// Level is the lowest level kept; nil keeps all. Set it before use.
	Level slog.Leveler

	mu      sync.Mutex
	records []LogRecord

	root   *LogRecorder // nil: this one
	attrs  []slog.Attr
	prefix string // of the keys: the groups, each followed by "."
}

// Logger is a logger writing to r.
func (r *LogRecorder) Logger() *slog.Logger { return slog.New(r) }

// Enabled reports whether level is kept: at or above Level.
func (r *LogRecorder) Enabled(_ context.Context, level slog.Level) bool {
	min := r.store().Level
	return min == nil || level >= min.Level()
}

// Handle keeps rec.
func (r *LogRecorder) Handle(ctx context.Context, rec slog.Record) error {
	if !r.Enabled(ctx, rec.Level) {
		return nil
	}
	kept := LogRecord{Level: rec.Level, Message: rec.Message, Attrs: make([]slog.Attr, 0, len(r.attrs)+rec.NumAttrs())}
	kept.Attrs = append(kept.Attrs, r.attrs...)
	rec.Attrs(func(a slog.Attr) bool {
		kept.Attrs = append(kept.Attrs, r.qualify(a))
		return true
	})
	root := r.store()
	root.mu.Lock()
	root.records = append(root.records, kept)
	root.mu.Unlock()
	return nil
}

// WithAttrs is a handler adding attrs to the records it keeps in r.
func (r *LogRecorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := r.child()
	for _, a := range attrs {
		c.attrs = append(c.attrs, r.qualify(a))
	}
	return c
}

// WithGroup is a handler qualifying the keys of the records it keeps in r
// with name.
func (r *LogRecorder) WithGroup(name string) slog.Handler {
	if name == "" {
		return r
	}
	c := r.child()
	c.prefix += name + "."
	return c
}

func (r *LogRecorder) child() *LogRecorder {
	return &LogRecorder{root: r.store(), attrs: r.attrs[:len(r.attrs):len(r.attrs)], prefix: r.prefix}
}

func (r *LogRecorder) store() *LogRecorder {
	if r.root != nil {
		return r.root
	}
	return r
}

func (r *LogRecorder) qualify(a slog.Attr) slog.Attr {
	a.Value = a.Value.Resolve()
	if r.prefix != "" {
		a.Key = r.prefix + a.Key
	}
	return a
}

// Records are the records kept so far, in the order they were logged.
func (r *LogRecorder) Records() []LogRecord {
	root := r.store()
	root.mu.Lock()
	defer root.mu.Unlock()
	return append([]LogRecord(nil), root.records...)
}

// Lines are the records at level min or above, each as LogRecord.String.
func (r *LogRecorder) Lines(min slog.Level) []string {
	var out []string
	for _, rec := range r.Records() {
		if rec.Level >= min {
			out = append(out, rec.String())
		}
	}
	return out
}

// String is every record kept, at every level, one a line.
func (r *LogRecorder) String() string {
	return strings.Join(r.Lines(slog.Level(math.MinInt)), "\n")
}
