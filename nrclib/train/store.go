package train

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/deepnrc/deepnrc/nrclib/data"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Store is a directory of runs. Each run lives in the subdirectory named by
// its key (see Key) and holds:
//
//	config.json     the keyed configuration, for people and tools
//	checkpoint.bin  the last checkpoint (format in checkpoint.go)
//	results.jsonl   the result records so far, one JSON nrc.Record a line
//	                (see ReadRecords)
//	lastlayer.json  the last-layer states so far ([]nrc.LastLayer), for
//	                runs whose Measure asks for them
//	status.json     {"epoch": last checkpointed epoch, "epochs": E, "complete": bool}
//	train.lock      present while a process trains the run: its owner
//	                (host, pid) as JSON, its mtime the owner's heartbeat
//	                (see lock.go)
//
// Every file is replaced atomically (temporary file + rename), and the run
// lock is a file created exclusively, so several processes, on one machine
// or on several nodes sharing the store over NFS, may use one store: one
// trains a run while the others are refused (or wait, see LockWait), a
// lock whose owner died is taken over, and a finished run is read by any
// number of processes at once.
//
// checkpoint.bin is a simple self-checking binary file: the magic
// "DNRCCKPT", a uint32 format version, a uint64 header length, a JSON
// header (run key, epoch, the result records so far, and each variable's
// "<scope>/<name>", dtype, dimensions, byte length and Trainable flag), the
// variables' raw row-major values in that order, and a SHA-256 of all of
// it. It holds every variable of the training context: weights, momentum
// buffers (under MomentumScope), normalisation statistics and the RNG
// state. With the per-epoch batch order a function of (seed, epoch) (see
// EpochPermutation), that is all a resumed run needs to continue exactly.
type Store struct {
	// Dir is the root directory; runs live in Dir/runs/<key>.
	Dir string
	// LockWait is how long to wait for a run that another live process is
	// training before giving up with an error wrapping ErrRunLocked; 0
	// gives up at once.
	LockWait time.Duration
	// LockStale is how long a run lock may go without a heartbeat before
	// another process takes it over as its owner's death; 0 means
	// DefaultLockStale. On the owner's own machine a lock is taken over
	// as soon as its pid is dead.
	LockStale time.Duration
}

// EnvStoreDir overrides the default store directory.
const EnvStoreDir = "DEEPNRC_STORE"

// DefaultStoreDir returns $DEEPNRC_STORE when set, else
// $XDG_CACHE_HOME/deepnrc, else ~/.cache/deepnrc.
func DefaultStoreDir() (string, error) {
	if d := os.Getenv(EnvStoreDir); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "deepnrc"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("train: no store directory: set %s or XDG_CACHE_HOME (%v)", EnvStoreDir, err)
	}
	return filepath.Join(home, ".cache", "deepnrc"), nil
}

// OpenStore returns the store rooted at dir, creating the directory.
func OpenStore(dir string) (*Store, error) {
	if dir == "" {
		return nil, fmt.Errorf("train: empty store directory; pass one or use DefaultStoreDir")
	}
	if err := os.MkdirAll(filepath.Join(dir, "runs"), 0o755); err != nil {
		return nil, fmt.Errorf("train: creating the run store: %w", err)
	}
	return &Store{Dir: dir}, nil
}

// OpenDefaultStore opens the store at DefaultStoreDir(): the one way every
// part of deepnrc finds the user's run store.
func OpenDefaultStore() (*Store, error) {
	dir, err := DefaultStoreDir()
	if err != nil {
		return nil, err
	}
	return OpenStore(dir)
}

// RunDir returns the directory of the run with the given key.
func (s *Store) RunDir(key string) string { return filepath.Join(s.Dir, "runs", key) }

// runStatus is status.json.
type runStatus struct {
	Epoch    int  `json:"epoch"`
	Epochs   int  `json:"epochs"`
	Complete bool `json:"complete"`
	// Records and ResultsSHA256 are the line count and SHA-256 of the
	// results.jsonl written with this status (see completeRecords).
	Records       int    `json:"records,omitempty"`
	ResultsSHA256 string `json:"results_sha256,omitempty"`
}

// keyedConfig is everything that determines a run's results.
type keyedConfig struct {
	MetricsVersion int     `json:"metrics_version"`
	FormatVersion  int     `json:"checkpoint_format"`
	Model          any     `json:"model"`
	Data           dataKey `json:"data"`
	Config         Config  `json:"config"`
	// Measure says what the measuring passes record.
	Measure Measure `json:"measure"`
}

type dataKey struct {
	Name       string `json:"name"`
	Options    any    `json:"options"`
	InputShape []int  `json:"input_shape"`
	TargetDim  int    `json:"target_dim"`
	TrainN     int    `json:"train_n"`
	TestN      int    `json:"test_n"`
	// SHA256 digests the split values, so that any change of the data
	// (a loader fix, a different preprocessing) gives a new run.
	SHA256 string `json:"sha256"`
}

// Key returns the store key of a job: the first 24 hex digits of the SHA-256
// of its canonical JSON configuration (model spec, dataset name, options
// and content digest, the full training Config with defaults resolved, the
// Measure and MetricsVersion). The job's Name is a label and not part of
// the key.
func Key(j *Job) (string, error) {
	kc, err := keyOf(j)
	if err != nil {
		return "", err
	}
	return kc.key()
}

func (kc *keyedConfig) key() (string, error) {
	b, err := json.Marshal(kc)
	if err != nil {
		return "", fmt.Errorf("train: the model spec or dataset options cannot be encoded as JSON: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12]), nil
}

func keyOf(j *Job) (*keyedConfig, error) {
	if j.Model == nil || j.Data == nil {
		return nil, fmt.Errorf("train: job needs a Model and a Data set")
	}
	return &keyedConfig{
		MetricsVersion: MetricsVersion,
		FormatVersion:  checkpointVersion,
		Model:          j.Model.Spec(),
		Data: dataKey{
			Name: j.Data.Name, Options: j.DataOptions, InputShape: j.Data.InputShape,
			TargetDim: j.Data.TargetDim, TrainN: j.Data.Train.N, TestN: j.Data.Test.N,
			SHA256: digestData(j.Data),
		},
		Config:  j.Config.withDefaults(),
		Measure: j.Measure,
	}, nil
}

// digestData hashes the float32 bit patterns of both splits.
func digestData(d *data.Dataset) string {
	h := sha256.New()
	buf := make([]byte, 0, 1<<16)
	put := func(xs []float32) {
		buf = binary.LittleEndian.AppendUint64(buf[:0], uint64(len(xs)))
		h.Write(buf)
		buf = buf[:0]
		for _, x := range xs {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
			if len(buf) == cap(buf) {
				h.Write(buf)
				buf = buf[:0]
			}
		}
		h.Write(buf)
	}
	put(d.Train.X)
	put(d.Train.Y)
	put(d.Test.X)
	put(d.Test.Y)
	return hex.EncodeToString(h.Sum(nil))
}

// runHandle is an open run directory: locked (lock set) to train the
// run, or unlocked to serve a run that is complete or a read-only store.
type runHandle struct {
	dir  string
	key  string
	lock *runLock
	// readOnly is set when the store cannot be written: the handle can
	// serve a finished run and nothing else (roCause says why).
	readOnly bool
	roCause  error
}

// openRun creates (if needed) the run directory of key and returns it:
// without a lock when the run is complete (its files are never written
// again, so any number of processes read it at once), else locked (see
// lockRun), writing config.json on first use.
func (s *Store) openRun(key string, kc *keyedConfig) (*runHandle, error) {
	dir := s.RunDir(key)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		if isReadOnlyErr(err) {
			return nil, notWritableError(key, err)
		}
		return nil, fmt.Errorf("train: creating run directory: %w", err)
	}
	if st, err := (&runHandle{dir: dir, key: key}).status(); err == nil && st.Complete {
		// Nothing writes a complete run, so what temporary files are
		// there were left by a write killed midway.
		sweepStaleTemps(dir)
		return &runHandle{dir: dir, key: key}, nil
	}
	lock, err := s.lockRun(dir, key)
	if err != nil && isReadOnlyErr(err) {
		return s.openReadOnly(key, err)
	}
	if err != nil {
		if errors.Is(err, ErrRunLocked) {
			return nil, err
		}
		return nil, fmt.Errorf("train: taking the run lock: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "config.json")); errors.Is(err, fs.ErrNotExist) {
		b, err := json.MarshalIndent(kc, "", "  ")
		if err == nil {
			err = writeFileAtomic(filepath.Join(dir, "config.json"), append(b, '\n'))
		}
		if err != nil {
			lock.release()
			return nil, err
		}
	}
	sweepStaleTemps(dir)
	return &runHandle{dir: dir, key: key, lock: lock}, nil
}

func (r *runHandle) close() {
	if r != nil && r.lock != nil {
		r.lock.release()
		r.lock = nil
	}
}

func (r *runHandle) status() (runStatus, error) {
	var st runStatus
	b, err := os.ReadFile(filepath.Join(r.dir, "status.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	if err != nil {
		return st, fmt.Errorf("train: reading %s: %w; delete that file (keep checkpoint.bin) and rerun: the run resumes from its checkpoint",
			filepath.Join(r.dir, "status.json"), err)
	}
	return st, nil
}

// loadCheckpoint returns the run's checkpoint, or nil when there is none.
func (r *runHandle) loadCheckpoint() (*checkpoint, error) {
	b, err := os.ReadFile(filepath.Join(r.dir, "checkpoint.bin"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("train: reading checkpoint: %w", err)
	}
	c, err := decodeCheckpoint(b)
	if err != nil {
		return nil, fmt.Errorf("train: %s: %w; delete the run directory to start over", r.dir, err)
	}
	if c.key != r.key {
		return nil, fmt.Errorf("train: checkpoint in %s belongs to run %s; delete the run directory to start over", r.dir, c.key)
	}
	return c, nil
}

// save writes the checkpoint, then the results so far, then the status.
// The checkpoint is the source of truth on resume; the other two files are
// for readers.
func (r *runHandle) save(c *checkpoint, epochs int, complete bool) error {
	if r.lock == nil {
		return fmt.Errorf("train: run %s: writing a run directory that is not locked (a programmer error)", r.key)
	}
	if err := r.lock.check(); err != nil {
		return err
	}
	b, err := c.encode()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(r.dir, "checkpoint.bin"), b); err != nil {
		return err
	}
	recs, err := encodeRecords(c.records)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(r.dir, "results.jsonl"), recs); err != nil {
		return err
	}
	if len(c.lastLayer) > 0 {
		b, err := json.Marshal(c.lastLayer)
		if err == nil {
			err = writeFileAtomic(filepath.Join(r.dir, lastLayerFile), append(b, '\n'))
		}
		if err != nil {
			return err
		}
	}
	n, sum := digestResults(recs)
	st, _ := json.Marshal(runStatus{Epoch: c.epoch, Epochs: epochs, Complete: complete, Records: n, ResultsSHA256: sum})
	return writeFileAtomic(filepath.Join(r.dir, "status.json"), append(st, '\n'))
}

// lastLayerFile holds a run's last-layer states (Result.LastLayer), when
// its Measure asks for them.
const lastLayerFile = "lastlayer.json"

// readLastLayer reads a run directory's last-layer states (nil when the run
// keeps none).
func readLastLayer(dir string) ([]nrc.LastLayer, error) {
	b, err := os.ReadFile(filepath.Join(dir, lastLayerFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var out []nrc.LastLayer
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		return nil, fmt.Errorf("train: reading %s: %w", filepath.Join(dir, lastLayerFile), err)
	}
	return out, nil
}

// wireRecord is how a Record is stored: like its JSON form, except that a
// non-finite value is written as the string "NaN", "+Inf" or "-Inf"
// (plain JSON has no such numbers).
type wireRecord struct {
	Run    string          `json:"run"`
	Epoch  int             `json:"epoch"`
	Layer  string          `json:"layer"`
	Metric string          `json:"metric"`
	Value  json.RawMessage `json:"value"`
}

func toWire(recs []nrc.Record) []wireRecord {
	out := make([]wireRecord, len(recs))
	for i, r := range recs {
		var v []byte
		switch {
		case math.IsNaN(r.Value):
			v = []byte(`"NaN"`)
		case math.IsInf(r.Value, 1):
			v = []byte(`"+Inf"`)
		case math.IsInf(r.Value, -1):
			v = []byte(`"-Inf"`)
		default:
			v, _ = json.Marshal(r.Value) // finite floats always encode
		}
		out[i] = wireRecord{Run: r.Run, Epoch: r.Epoch, Layer: r.Layer, Metric: r.Metric, Value: v}
	}
	return out
}

func fromWire(w wireRecord) (nrc.Record, error) {
	r := nrc.Record{Run: w.Run, Epoch: w.Epoch, Layer: w.Layer, Metric: w.Metric}
	switch string(w.Value) {
	case `"NaN"`:
		r.Value = math.NaN()
	case `"+Inf"`:
		r.Value = math.Inf(1)
	case `"-Inf"`:
		r.Value = math.Inf(-1)
	default:
		if err := json.Unmarshal(w.Value, &r.Value); err != nil {
			return r, fmt.Errorf("value %s: %w", w.Value, err)
		}
	}
	return r, nil
}

func encodeRecords(recs []nrc.Record) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, w := range toWire(recs) {
		if err := enc.Encode(w); err != nil {
			return nil, fmt.Errorf("train: record %+v cannot be stored: %w", w, err)
		}
	}
	return buf.Bytes(), nil
}

// ReadRecords reads a results.jsonl file written by the store (one record
// a line; non-finite values are stored as the strings "NaN", "+Inf" and
// "-Inf").
func ReadRecords(path string) ([]nrc.Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeRecords(b, path)
}

// decodeRecords parses the bytes of a results.jsonl file; path names it
// in errors.
func decodeRecords(b []byte, path string) ([]nrc.Record, error) {
	var out []nrc.Record
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var w wireRecord
		err := json.Unmarshal(sc.Bytes(), &w)
		var r nrc.Record
		if err == nil {
			r, err = fromWire(w)
		}
		if err != nil {
			return nil, fmt.Errorf("train: %s line %d: %w", path, line, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// LoadContext returns a fresh context holding the variables of the last
// checkpoint of the run with the given key (for a finished run, the trained
// model after its final epoch), and that checkpoint's epoch. Build the
// run's model on the context (with an unchecked context, as the trainer
// does) to evaluate it.
func (s *Store) LoadContext(key string) (*context.Context, int, error) {
	r := &runHandle{dir: s.RunDir(key), key: key}
	c, err := r.loadCheckpoint()
	if err != nil {
		return nil, 0, err
	}
	if c == nil {
		return nil, 0, fmt.Errorf("train: run %s has no checkpoint in %s", key, r.dir)
	}
	ctx := context.New()
	if err := c.restore(ctx); err != nil {
		return nil, 0, err
	}
	return ctx, c.epoch, nil
}

// RunProgress is how far a run is in the store.
type RunProgress struct {
	// Epoch is the epoch of the run's last checkpoint (0: none), of
	// Epochs.
	Epoch, Epochs int
	// Complete is set once the run is finished.
	Complete bool
}

// Progress reports how far the run with the given key is in the store,
// from its status.json (a run not in the store has zero progress). It does
// not check the run's files; Run does, when it serves them.
func (s *Store) Progress(key string) (RunProgress, error) {
	st, err := (&runHandle{dir: s.RunDir(key), key: key}).status()
	if err != nil {
		return RunProgress{}, err
	}
	return RunProgress{Epoch: st.Epoch, Epochs: st.Epochs, Complete: st.Complete}, nil
}
