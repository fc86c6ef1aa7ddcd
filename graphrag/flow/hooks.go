package flow

import (
	"context"
	"log/slog"
)

// Hooks are called on each step's goroutine around the step, for logging
// and tracing (an OpenTelemetry exporter starts a span in StepStart, puts it
// in the returned context, and ends it in StepEnd). Either may be nil. A
// panic (or runtime.Goexit) in a hook fails the step like one in the step;
// StepEnd is not called after a runtime.Goexit.
type Hooks struct {
	// StepStart is called just before the step's function, with the run's
	// context and the step's record so far (Name, Deps and Start set;
	// Outcome empty). The context it returns, if not nil, is the one the
	// step and StepEnd receive.
	StepStart func(ctx context.Context, st StepTrace) context.Context
	// StepEnd is called when the step's function has returned, with the
	// context from StepStart and the step's complete record.
	StepEnd func(ctx context.Context, st StepTrace)
}

// LogHooks returns Hooks that log each step's start and end to l: at Debug
// level, and at Warn level for a failed step, with the attributes "step",
// "deps", "outcome", "start", "duration" and "error". A nil l logs nothing.
func LogHooks(l *slog.Logger) Hooks {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return Hooks{
		StepStart: func(ctx context.Context, st StepTrace) context.Context {
			l.DebugContext(ctx, "flow: step started", "step", st.Name, "deps", st.Deps, "start", st.Start)
			return ctx
		},
		StepEnd: func(ctx context.Context, st StepTrace) {
			level := slog.LevelDebug
			if st.Outcome == OutcomeFailed {
				level = slog.LevelWarn
			}
			attrs := []any{"step", st.Name, "outcome", st.Outcome, "start", st.Start, "duration", st.Duration}
			if st.Error != "" {
				attrs = append(attrs, "error", st.Error)
			}
			l.Log(ctx, level, "flow: step ended", attrs...)
		},
	}
}
