package train

import "time"

// DefaultCheckpointInterval is the Options.CheckpointInterval used when it
// is 0: a run with sparse measured epochs (a 20 000-epoch run measured at
// the paper's epochs up to 1000) still checkpoints every few minutes.
const DefaultCheckpointInterval = 5 * time.Minute

// checkpointDue reports whether epoch e, which is neither measured nor the
// last, ends with a checkpoint: every Options.CheckpointEvery epochs, and
// after the first epoch ending Options.CheckpointInterval after the last
// checkpoint.
func (t *trainer) checkpointDue(e int) bool {
	if t.opt.CheckpointEvery > 0 && e%t.opt.CheckpointEvery == 0 {
		return true
	}
	iv := t.opt.CheckpointInterval
	if iv == 0 {
		iv = DefaultCheckpointInterval
	}
	return iv > 0 && time.Since(t.lastCkpt) >= iv
}
