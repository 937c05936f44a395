package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/deepnrc/deepnrc/internal/atomicfile"
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Checkpoint file format (version 1), all integers little-endian:
//
//	"DNRCCKPT"                 8 bytes magic
//	version                    uint32 (= 1)
//	header length H            uint64
//	header                     H bytes of JSON (checkpointHeader)
//	variable data              the raw bytes of every variable, in header order
//	SHA-256                    32 bytes over everything above
//
// A variable's bytes are its values in row-major order, in the host's
// native layout of its dtype (little-endian on every platform Go's GoMLX
// backends run on). The header lists name, dtype, dimensions and length of
// each variable, the epoch the checkpoint was taken after and the result
// records up to that epoch. Files are written to a temporary name, synced
// and renamed, so a reader sees either the previous or the new checkpoint,
// never a partial one.
const (
	checkpointMagic   = "DNRCCKPT"
	checkpointVersion = 1
)

type checkpointVar struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Dims  []int  `json:"dims"`
	Bytes int    `json:"bytes"`
	// Trainable is the variable's Trainable flag.
	Trainable bool `json:"trainable"`
}

type checkpointHeader struct {
	Key       string          `json:"key"`
	Epoch     int             `json:"epoch"`
	Records   []wireRecord    `json:"records"`
	LastLayer []nrc.LastLayer `json:"last_layer,omitempty"`
	Variables []checkpointVar `json:"variables"`
}

// checkpoint is the state of a run after a whole epoch.
type checkpoint struct {
	key     string
	epoch   int
	records []nrc.Record
	// lastLayer are the last-layer states measured so far.
	lastLayer []nrc.LastLayer
	// values maps a variable's "<scope>/<name>" to its raw bytes.
	vars   []checkpointVar
	values map[string][]byte
}

// snapshot copies every variable of ctx (model weights, momentum buffers,
// normalisation statistics, RNG state) into a checkpoint.
func snapshot(ctx *context.Context, key string, epoch int, records []nrc.Record, lastLayer []nrc.LastLayer) (*checkpoint, error) {
	c := &checkpoint{key: key, epoch: epoch, records: slices.Clone(records), lastLayer: slices.Clone(lastLayer), values: map[string][]byte{}}
	for v := range ctx.IterVariables() {
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("train: reading variable %s for a checkpoint: %w", v.ScopeAndName(), err)
		}
		var raw []byte
		if err := t.ConstBytes(func(b []byte) { raw = slices.Clone(b) }); err != nil {
			return nil, fmt.Errorf("train: reading variable %s for a checkpoint: %w", v.ScopeAndName(), err)
		}
		name := v.ScopeAndName()
		c.vars = append(c.vars, checkpointVar{Name: name, DType: v.Shape().DType.String(),
			Dims: slices.Clone(v.Shape().Dimensions), Bytes: len(raw), Trainable: v.Trainable})
		c.values[name] = raw
	}
	return c, nil
}

// restore creates every checkpointed variable in ctx, which must not hold
// any of them yet, with its stored value and Trainable flag. Graphs built
// afterwards find the variables in place (the trainer builds them with an
// unchecked context) and use the restored values.
func (c *checkpoint) restore(ctx *context.Context) error {
	for _, cv := range c.vars {
		scope, name := context.SplitScope(cv.Name)
		if ctx.GetVariableByScopeAndName(scope, name) != nil {
			return fmt.Errorf("train: restoring %s: the context already holds it; restore into a fresh context", cv.Name)
		}
		dt, ok := dtypeByName[cv.DType]
		if !ok {
			return fmt.Errorf("train: checkpoint variable %s has unsupported dtype %q", cv.Name, cv.DType)
		}
		t := tensors.FromShape(shapes.Make(dt, cv.Dims...))
		var werr error
		if err := t.MutableBytes(func(b []byte) {
			if len(b) != len(c.values[cv.Name]) {
				werr = fmt.Errorf("%w: variable %s has %d bytes, its shape needs %d", errCorrupt, cv.Name, len(c.values[cv.Name]), len(b))
				return
			}
			copy(b, c.values[cv.Name])
		}); err != nil {
			return err
		}
		if werr != nil {
			return werr
		}
		ctx.InAbsPath(scope).Checked(false).VariableWithValue(name, t).SetTrainable(cv.Trainable)
	}
	return nil
}

// checkSameVariables reports a variable of ctx that the checkpoint did not
// hold (the model created new variables: it is not the checkpointed model).
func (c *checkpoint) checkSameVariables(ctx *context.Context) error {
	known := map[string]bool{}
	for _, cv := range c.vars {
		known[cv.Name] = true
	}
	for v := range ctx.IterVariables() {
		if !known[v.ScopeAndName()] {
			return fmt.Errorf("train: the model has variable %s that its checkpoint lacks: the checkpoint belongs "+
				"to a different model; delete the run directory to start over", v.ScopeAndName())
		}
	}
	return nil
}

// dtypeByName maps the dtype names written in checkpoints back to dtypes.
var dtypeByName = func() map[string]dtypes.DType {
	m := map[string]dtypes.DType{}
	for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64, dtypes.Float16, dtypes.BFloat16,
		dtypes.Int8, dtypes.Int16, dtypes.Int32, dtypes.Int64, dtypes.Uint8, dtypes.Uint16, dtypes.Uint32,
		dtypes.Uint64, dtypes.Bool} {
		m[dt.String()] = dt
	}
	return m
}()

// encode serialises the checkpoint in the format described above.
func (c *checkpoint) encode() ([]byte, error) {
	hdr, err := json.Marshal(checkpointHeader{Key: c.key, Epoch: c.epoch, Records: toWire(c.records), LastLayer: c.lastLayer, Variables: c.vars})
	if err != nil {
		return nil, fmt.Errorf("train: encoding checkpoint header: %w", err)
	}
	var buf bytes.Buffer
	buf.WriteString(checkpointMagic)
	buf.Write(binary.LittleEndian.AppendUint32(nil, checkpointVersion))
	buf.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(hdr))))
	buf.Write(hdr)
	for _, cv := range c.vars {
		buf.Write(c.values[cv.Name])
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	return buf.Bytes(), nil
}

// errCorrupt is wrapped by decode's errors.
var errCorrupt = errors.New("corrupt checkpoint")

// decodeCheckpoint parses a checkpoint file's bytes.
func decodeCheckpoint(b []byte) (*checkpoint, error) {
	const fixed = len(checkpointMagic) + 4 + 8
	if len(b) < fixed+sha256.Size || string(b[:len(checkpointMagic)]) != checkpointMagic {
		return nil, fmt.Errorf("%w: not a deepnrc checkpoint", errCorrupt)
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, fmt.Errorf("%w: checksum mismatch", errCorrupt)
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != checkpointVersion {
		return nil, fmt.Errorf("%w: format version %d, this build reads %d", errCorrupt, v, checkpointVersion)
	}
	h := binary.LittleEndian.Uint64(b[12:])
	if h > uint64(len(body)-fixed) {
		return nil, fmt.Errorf("%w: header length %d overruns the file", errCorrupt, h)
	}
	var hdr checkpointHeader
	if err := json.Unmarshal(body[fixed:fixed+int(h)], &hdr); err != nil {
		return nil, fmt.Errorf("%w: header: %v", errCorrupt, err)
	}
	c := &checkpoint{key: hdr.Key, epoch: hdr.Epoch, lastLayer: hdr.LastLayer, vars: hdr.Variables, values: map[string][]byte{}}
	for _, w := range hdr.Records {
		r, err := fromWire(w)
		if err != nil {
			return nil, fmt.Errorf("%w: record: %v", errCorrupt, err)
		}
		c.records = append(c.records, r)
	}
	off := fixed + int(h)
	for _, cv := range hdr.Variables {
		if cv.Bytes < 0 || off+cv.Bytes > len(body) {
			return nil, fmt.Errorf("%w: variable %s overruns the file", errCorrupt, cv.Name)
		}
		c.values[cv.Name] = body[off : off+cv.Bytes]
		off += cv.Bytes
	}
	if off != len(body) {
		return nil, fmt.Errorf("%w: %d trailing bytes", errCorrupt, len(body)-off)
	}
	return c, nil
}

// writeFileAtomic writes data to path atomically (synced, renamed), so that
// path always holds a whole file.
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}
