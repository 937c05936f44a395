package train

import (
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// Status is a snapshot of a run's progress.
type Status struct {
	// Run is the run's label.
	Run string
	// Epoch is the epoch in progress (1-based), or the last one finished
	// when EpochDone is set.
	Epoch, Epochs int
	// Step is the number of mini-batches done in Epoch, of Steps.
	Step, Steps int
	// EpochDone is set on the update sent after an epoch is finished
	// (losses evaluated, measurement and checkpoint done).
	EpochDone bool
	// Checkpoint is the epoch of the run's last checkpoint in the store:
	// written in this session or resumed from (0: none).
	Checkpoint int
	// TrainLoss is the mean mini-batch loss of Epoch so far.
	TrainLoss float64
	// TestMSE is the test MSE after the last finished epoch (NaN before
	// the first, or without a test split).
	TestMSE float64
	// LearningRate is the learning rate of Epoch.
	LearningRate float64
	// Elapsed is the time spent in this session; ETA estimates the time
	// left (0 when unknown).
	Elapsed, ETA time.Duration
}

// Progress receives a run's progress. Update may be called often (every
// mini-batch); implementations throttle their own output. Finish is called
// once at the end with the final status and the run's error (nil on
// success).
type Progress interface {
	Update(s Status)
	Finish(s Status, err error)
}

// NewProgress returns the progress display fitting where the program runs:
// a live HTML display in a GoNB notebook, else a terminal progress bar on w
// (usually os.Stderr).
func NewProgress(w io.Writer) Progress {
	if gonbui.IsNotebook {
		return NewNotebookProgress()
	}
	return NewTerminalProgress(w)
}

// TerminalProgress draws a one-line progress bar with ETA. On a terminal it
// redraws the line in place; on anything else (a pipe, a log file) it
// writes one line per finished epoch, at most every five seconds, plus the
// last.
type TerminalProgress struct {
	w           io.Writer
	interactive bool
	mu          sync.Mutex
	last        time.Time
	width       int
	lastLine    string
}

// NewTerminalProgress returns a TerminalProgress writing to w.
func NewTerminalProgress(w io.Writer) *TerminalProgress {
	p := &TerminalProgress{w: w, width: 24}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.interactive = true
		}
	}
	return p
}

// Update implements Progress.
func (p *TerminalProgress) Update(s Status) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.interactive {
		if now.Sub(p.last) < 200*time.Millisecond && !s.EpochDone {
			return
		}
		p.last = now
		fmt.Fprintf(p.w, "\r%s\033[K", p.line(s))
		return
	}
	if !s.EpochDone || (now.Sub(p.last) < 5*time.Second && s.Epoch != s.Epochs) {
		return
	}
	p.last = now
	p.lastLine = p.line(s)
	fmt.Fprintln(p.w, p.lastLine)
}

// Finish implements Progress.
func (p *TerminalProgress) Finish(s Status, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	msg := "done"
	if err != nil {
		msg = "stopped: " + err.Error()
	}
	if p.interactive {
		fmt.Fprintf(p.w, "\r%s\033[K\n%s\n", p.line(s), msg)
		return
	}
	if l := p.line(s); l != p.lastLine {
		fmt.Fprintln(p.w, l)
	}
	fmt.Fprintln(p.w, msg)
}

func (p *TerminalProgress) line(s Status) string {
	frac := fraction(s)
	n := int(frac * float64(p.width))
	bar := strings.Repeat("█", n) + strings.Repeat("·", p.width-n)
	return fmt.Sprintf("%s [%s] %3.0f%% epoch %d/%d  %s", s.Run, bar, 100*frac, s.Epoch, s.Epochs, summary(s))
}

// NotebookProgress shows the progress as one HTML block in a GoNB notebook
// cell, updated in place.
type NotebookProgress struct {
	id   string
	mu   sync.Mutex
	last time.Time
}

// NewNotebookProgress returns a NotebookProgress with a fresh display id.
func NewNotebookProgress() *NotebookProgress {
	return &NotebookProgress{id: gonbui.UniqueID()}
}

// Update implements Progress.
func (p *NotebookProgress) Update(s Status) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 500*time.Millisecond && !s.EpochDone {
		return
	}
	p.last = time.Now()
	gonbui.UpdateHTML(p.id, ProgressHTML(s, ""))
}

// Finish implements Progress.
func (p *NotebookProgress) Finish(s Status, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	msg := "done"
	if err != nil {
		msg = "stopped: " + err.Error()
	}
	gonbui.UpdateHTML(p.id, ProgressHTML(s, msg))
	gonbui.Sync()
}

// ProgressHTML renders s as the HTML block NotebookProgress displays, with
// an optional closing message.
func ProgressHTML(s Status, msg string) string {
	var b strings.Builder
	frac := fraction(s)
	fmt.Fprintf(&b, `<div style="font-family:monospace"><b>%s</b> epoch %d/%d `,
		html.EscapeString(s.Run), s.Epoch, s.Epochs)
	fmt.Fprintf(&b, `<progress value="%.4f" max="1" style="width:16em"></progress> %.0f%%<br>`, frac, 100*frac)
	b.WriteString(html.EscapeString(summary(s)))
	if msg != "" {
		fmt.Fprintf(&b, "<br>%s", html.EscapeString(msg))
	}
	b.WriteString("</div>")
	return b.String()
}

// fraction is the share of the run's steps done.
func fraction(s Status) float64 {
	if s.Epochs < 1 {
		return 0
	}
	done := float64(s.Epoch - 1)
	if s.EpochDone {
		done = float64(s.Epoch)
	} else if s.Steps > 0 {
		done += float64(s.Step) / float64(s.Steps)
	}
	return math.Max(0, math.Min(1, done/float64(s.Epochs)))
}

func summary(s Status) string {
	parts := []string{fmt.Sprintf("loss %.4g", s.TrainLoss)}
	if !math.IsNaN(s.TestMSE) {
		parts = append(parts, fmt.Sprintf("test %.4g", s.TestMSE))
	}
	parts = append(parts, fmt.Sprintf("lr %.3g", s.LearningRate), "elapsed "+s.Elapsed.Round(time.Second).String())
	if s.ETA > 0 {
		parts = append(parts, "ETA "+s.ETA.Round(time.Second).String())
	}
	return strings.Join(parts, "  ")
}
