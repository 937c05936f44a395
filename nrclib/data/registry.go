package data

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/deepnrc/deepnrc/nrclib/data/simulated"
)

// Source selects where a dataset's samples come from: the real files, the
// shipped simulated data, or the offline stand-in.
type Source string

// The sources Load understands.
const (
	// SourceAuto loads the real data when all its files are in the data
	// directory, else the shipped simulated data where there is some
	// (swimmer, reacher, hopper), else the stand-in; Dataset.Source tells
	// which one was loaded. It is the default.
	SourceAuto Source = "auto"
	// SourceStandIn always generates the offline stand-in.
	SourceStandIn Source = "standin"
	// SourceReal always loads the real files, and fails with instructions
	// when they are missing.
	SourceReal Source = "real"
	// SourceSimulated always loads the simulated data deepnrc ships (MuJoCo
	// physics and an expert controller; see package simulated), and fails
	// for datasets that have none.
	SourceSimulated Source = "simulated"
)

// Options control Load. The zero value loads the default: the real data if
// present in DefaultDir(), else the shipped simulated data where there is
// some, else the stand-in with seed 0, split with the paper's seed 42.
type Options struct {
	// Dir is the data directory holding real files; "" means DefaultDir().
	Dir string
	// Source picks real, simulated or stand-in data; "" means SourceAuto.
	Source Source
	// Seed seeds the stand-in generators (0 is a valid seed and the
	// default). It does not affect the split, nor the shipped simulated
	// data (made once from the seed in its manifest).
	Seed uint64
	// SplitSeed seeds the 80/20 split; 0 means PaperSplitSeed (42).
	SplitSeed uint64
	// N overrides the number of samples (train + test): the stand-in's size,
	// or for real and simulated data the first N rows (a seeded subset of N images for
	// UTKFace). 0 keeps the default.
	N int
	// ImageSize is the side of the square images: the resize target for
	// real UTKFace (default 128, as the paper's code) and the render size of
	// the image stand-ins (default 32). Real Carla2D frames keep their
	// stored size.
	ImageSize int
	// TargetDim and Rank override t and r of the synthetic and low-rank
	// generators (0 keeps the named instance's values).
	TargetDim, Rank int
}

// Download describes where a dataset's real file can be downloaded.
type Download struct {
	// URL is the canonical download address.
	URL string
	// SHA256 is the expected hex SHA-256 of the downloaded bytes, or "" when
	// it is not known: fetch then reports the computed digest and says it
	// could not verify it.
	SHA256 string
	// Member is the file to extract when the download is a zip archive; ""
	// means the download is the file itself.
	Member string
	// File is the destination, relative to the data directory.
	File string
}

// Info describes one registry entry.
type Info struct {
	// Name is the registry name passed to Load.
	Name string
	// Paper names the paper's dataset this entry loads or stands in for.
	Paper string
	// RealFiles are the real data's files or folders, relative to the data
	// directory; empty when there is no real data to load.
	RealFiles []string
	// Download is the canonical download, or nil when no single canonical
	// file exists.
	Download *Download
	// HowToGet tells the user how to obtain and place the real files.
	HowToGet string
	// StandIn says in one line what the offline stand-in is.
	StandIn string
	// Simulated says in one line what the shipped simulated data is, or is
	// empty when there is none.
	Simulated string
	// DefaultN is the stand-in's default number of samples.
	DefaultN int

	real      func(dir string, opt Options) (*Dataset, error)
	standIn   func(opt Options) (*Dataset, error)
	simulated func(opt Options) (*Dataset, error)
}

// HasSimulated reports whether deepnrc ships simulated data for the entry.
func (e *Info) HasSimulated() bool { return e.simulated != nil }

// DefaultSource returns the source Load with SourceAuto uses for the entry
// and the data directory dir: SourceReal when all real files are there,
// else SourceSimulated when simulated data ships, else SourceStandIn.
func (e *Info) DefaultSource(dir string) Source {
	if all, _ := e.RealPresent(dir); all {
		return SourceReal
	}
	if e.simulated != nil {
		return SourceSimulated
	}
	return SourceStandIn
}

const (
	mujocoHowTo = "the paper's MuJoCo CSVs are not published and no single canonical file exists. " +
		"[NRC] used expert episodes from the Hugging Face dataset jat-project/jat-dataset (Swimmer, Reacher) " +
		"and D4RL (Hopper); export states then actions, one sample per line, no header"
	carlaHowTo = "no single canonical file exists for the CIL/CARLA data (Codevilla et al., ICRA 2018; licence unknown). " +
		"Export the frames as carla2d/images.npy (N×H×W×3 float32, e.g. 88×200×3) and the CIL target matrix as " +
		"carla2d/targets.npy (N×K float32/float64; columns 0 and 10 are used) in the data directory"
	utkHowTo = "UTKFace has no stable direct download (original site: non-commercial research use; " +
		"a mirror is the Hugging Face dataset nu-delta/utkface). Put the JPEG files, named age_gender_race_date.jpg, " +
		"in the folder utkface/ of the data directory"
)

var registry = map[string]*Info{}

// order is the listing order of Names.
var order = []string{"swimmer", "reacher", "hopper", "sgemm", "carla2d", "utkface",
	"synthetic-fig3", "synthetic-fig8", "lowrank"}

func init() {
	for _, m := range []struct {
		name, paper string
		spec        MuJoCoSpec
	}{{"swimmer", "Swimmer", SwimmerSpec}, {"reacher", "Reacher", ReacherSpec}, {"hopper", "Hopper", HopperSpec}} {
		m := m
		file := m.name + ".csv"
		registry[m.name] = &Info{
			Name: m.name, Paper: m.paper + " (MuJoCo behaviour cloning)",
			RealFiles: []string{file},
			HowToGet:  mujocoHowTo + fmt.Sprintf(" (%d state + %d action columns) to %s in the data directory", m.spec.StateDim, m.spec.ActionDim, file),
			StandIn: fmt.Sprintf("Gaussian states (d=%d) → tanh of a whitened random teacher MLP, actions calibrated to [NRC] Table 1 (correlations %v, λ_min %g)",
				m.spec.StateDim, m.spec.Target.Corr, m.spec.Target.LambdaMin),
			DefaultN: m.spec.N,
			simulated: func(opt Options) (*Dataset, error) {
				return loadSimulated(m.name, m.paper, opt)
			},
			real: func(dir string, opt Options) (*Dataset, error) {
				path := filepath.Join(dir, file)
				tb, err := ReadMuJoCoCSV(path, m.spec.StateDim, m.spec.ActionDim)
				if err != nil {
					return nil, err
				}
				tb = tb.head(opt.N)
				ds := &Dataset{Name: m.name, Files: []string{path},
					Description: fmt.Sprintf("%s behaviour-cloning data from %s: %d samples, %d states → %d actions; 80/20 split (seed %d), X and Y standardised with train statistics.",
						m.paper, path, tb.N, tb.D, tb.T, opt.SplitSeed)}
				tb.build(ds, splitShuffled, scaleStandard, opt.SplitSeed)
				return ds, nil
			},
			standIn: func(opt Options) (*Dataset, error) {
				n := orDefault(opt.N, m.spec.N)
				train, _ := ShuffledSplit(n, opt.SplitSeed)
				tb, err := MuJoCoLike(m.spec, n, train, opt.Seed)
				if err != nil {
					return nil, err
				}
				ds := &Dataset{Name: m.name, StandsInFor: m.paper + " (MuJoCo expert behaviour cloning)",
					Description: fmt.Sprintf("Offline stand-in for %s (seed %d): %d samples of Gaussian states (d=%d, random covariance) and actions tanh(m + L·u(x)) of a random teacher MLP, "+
						"calibrated so the raw training actions have [NRC] Table 1's correlations %v and λ_min %g; 80/20 split (seed %d), X and Y standardised with train statistics. "+
						"Real data: %s, then use source \"real\".", m.paper, opt.Seed, n, m.spec.StateDim, m.spec.Target.Corr, m.spec.Target.LambdaMin, opt.SplitSeed, file)}
				tb.build(ds, splitShuffled, scaleStandard, opt.SplitSeed)
				return ds, nil
			},
		}
	}

	for _, name := range []string{"swimmer", "reacher", "hopper"} {
		if e, ok := simulated.Lookup(name); ok {
			registry[name].Simulated = fmt.Sprintf("simulated (%s): %d samples, %d episodes of deepnrc's %s model run by a %s expert (seed %d)",
				e.Simulator, e.Rows, e.Episodes, name, e.Controller, e.Seed)
		} else {
			registry[name].simulated = nil
		}
	}

	registry["sgemm"] = &Info{
		Name: "sgemm", Paper: "SGEMM GPU kernel performance (UCI)",
		RealFiles: []string{"sgemm_product.csv"},
		Download: &Download{
			URL:    "https://archive.ics.uci.edu/static/public/440/sgemm+gpu+kernel+performance.zip",
			SHA256: "", // not known to this project: fetch prints the computed digest
			Member: "sgemm_product.csv",
			File:   "sgemm_product.csv",
		},
		HowToGet: "run `deepnrc data fetch sgemm`, or download the UCI archive (DOI 10.24432/C5MK70) and put its sgemm_product.csv in the data directory",
		StandIn:  "14 integer kernel parameters from the UCI grids, four runs = base·(1+0.01ε) with log-runtime a random smooth function (stable rank of Σ_Y ≈ 1)",
		DefaultN: 20000,
		real: func(dir string, opt Options) (*Dataset, error) {
			path := filepath.Join(dir, "sgemm_product.csv")
			tb, inputs, targets, err := ReadSGEMMReal(path)
			if err != nil {
				return nil, err
			}
			if tb.D != 14 || tb.T != 4 {
				return nil, &FileError{File: path, Row: 1,
					Problem: fmt.Sprintf("header has %d parameter columns %v and %d \"(ms)\" columns %v; SGEMM has 14 and 4", tb.D, inputs, tb.T, targets),
					Fix:     "use the unmodified UCI sgemm_product.csv (`deepnrc data fetch sgemm`)"}
			}
			tb = tb.head(opt.N)
			ds := &Dataset{Name: "sgemm", Files: []string{path},
				Description: fmt.Sprintf("UCI SGEMM GPU kernel performance from %s: %d kernel configurations, 14 parameters → 4 run times (ms); 80/20 split (seed %d), X and Y standardised with train statistics (no log transform).",
					path, tb.N, opt.SplitSeed)}
			tb.build(ds, splitShuffled, scaleStandard, opt.SplitSeed)
			return ds, nil
		},
		standIn: func(opt Options) (*Dataset, error) {
			n := orDefault(opt.N, 20000)
			tb, err := SGEMMLike(n, opt.Seed)
			if err != nil {
				return nil, err
			}
			ds := &Dataset{Name: "sgemm", StandsInFor: "SGEMM GPU kernel performance (UCI)",
				Description: fmt.Sprintf("Offline stand-in for UCI SGEMM (seed %d): %d rows of the 14 kernel parameters drawn from their grids, targets Run1..Run4 = base·(1+0.01ε) with a random smooth log-runtime, so Σ_Y has stable rank ≈ 1; "+
					"80/20 split (seed %d), X and Y standardised with train statistics. The real file has %d rows (N=%d gives a stand-in of that size); real data: `deepnrc data fetch sgemm`.",
					opt.Seed, n, opt.SplitSeed, SGEMMRealRows, SGEMMRealRows)}
			tb.build(ds, splitShuffled, scaleStandard, opt.SplitSeed)
			return ds, nil
		},
	}

	registry["carla2d"] = &Info{
		Name: "carla2d", Paper: "Carla2D (CIL driving frames; steer, speed)",
		RealFiles: []string{"carla2d/images.npy", "carla2d/targets.npy"},
		HowToGet:  carlaHowTo,
		StandIn:   "rendered road scenes (lane stripes set by steer and speed latents, a vehicle blob), targets min-max scaled to [0,1]",
		DefaultN:  5000,
		real: func(dir string, opt Options) (*Dataset, error) {
			return LoadCarlaNPY(filepath.Join(dir, "carla2d", "images.npy"), filepath.Join(dir, "carla2d", "targets.npy"), opt.N, opt.SplitSeed)
		},
		standIn: func(opt Options) (*Dataset, error) {
			n, size := orDefault(opt.N, 5000), orDefault(opt.ImageSize, 32)
			im, err := CarlaLike(n, size, opt.Seed)
			if err != nil {
				return nil, err
			}
			ds := &Dataset{Name: "carla2d", StandsInFor: "Carla2D (CIL driving frames; steer, speed)",
				Description: fmt.Sprintf("Offline stand-in for Carla2D (seed %d): %d rendered %d×%d×3 road scenes, pixels in [0,255]; targets steer = tanh(1.5θ+0.5(c_x−½)) and speed = 85v(1−0.3ρ) of the scene latents, each min-max scaled to [0,1]; "+
					"80/20 split (seed %d). Real data: carla2d/images.npy + carla2d/targets.npy in the data directory.", opt.Seed, n, size, size, opt.SplitSeed)}
			im.build(ds, FitMinMax(im.Y, 2, nil), opt.SplitSeed)
			return ds, nil
		},
	}

	registry["utkface"] = &Info{
		Name: "utkface", Paper: "UTKFace (face images; age)",
		RealFiles: []string{"utkface"},
		HowToGet:  utkHowTo,
		StandIn:   "rendered face-like images whose head size, eye height, grey hair and wrinkles vary smoothly with an age target 1–116 (unscaled)",
		DefaultN:  5000,
		real: func(dir string, opt Options) (*Dataset, error) {
			return LoadUTKFaceDir(filepath.Join(dir, "utkface"), opt.ImageSize, opt.N, opt.SplitSeed)
		},
		standIn: func(opt Options) (*Dataset, error) {
			n, size := orDefault(opt.N, 5000), orDefault(opt.ImageSize, 32)
			im, err := UTKFaceLike(n, size, opt.Seed)
			if err != nil {
				return nil, err
			}
			ds := &Dataset{Name: "utkface", StandsInFor: "UTKFace (face images; age)",
				Description: fmt.Sprintf("Offline stand-in for UTKFace (seed %d): %d rendered %d×%d×3 face-like images, pixels in [−1,1]; target = age in years (1–116, unscaled) that sets head size, eye height, grey hair and wrinkles; "+
					"80/20 split (seed %d). Real data: JPEGs named age_gender_race_date.jpg in utkface/ of the data directory.", opt.Seed, n, size, size, opt.SplitSeed)}
			im.build(ds, Identity(1), opt.SplitSeed)
			return ds, nil
		},
	}

	synth := func(name, fig string, t, r int, lo, hi float64) *Info {
		rule := ""
		if lo > 0 {
			rule = fmt.Sprintf(", and redrawn until the targets' stable rank Σλ²/λ₁² (on a probe sample) lies in [%g, %g], about the paper's", lo, hi)
		}
		return &Info{
			Name: name, Paper: fmt.Sprintf("synthetic data of %s (t=%d, generator width r=%d)", fig, t, r),
			HowToGet: "generated only: the paper's own random draw is not published, so this is a fresh draw of the generator it describes",
			StandIn:  fmt.Sprintf("x ~ N(0, I₂₀), y = random ReLU net 20→%d→%d→%d with PyTorch-default init; first 80%% train", r, r, t),
			DefaultN: 10000,
			standIn: func(opt Options) (*Dataset, error) {
				n, tt, rr := orDefault(opt.N, 10000), orDefault(opt.TargetDim, t), orDefault(opt.Rank, r)
				l, h := lo, hi
				if tt != t || rr != r { // the rule is the paper's figure's, for its t and r
					l, h = 0, math.Inf(1)
				}
				tb, err := SyntheticStableRank(n, tt, rr, opt.Seed, l, h)
				if err != nil {
					return nil, err
				}
				ds := &Dataset{Name: name, StandsInFor: fmt.Sprintf("the synthetic data of %s", fig),
					Description: fmt.Sprintf("Synthetic (seed %d): %d samples x ~ N(0, I₂₀), targets y = f₀(x) of a random ReLU net 20→%d→%d→%d with PyTorch-default uniform init (redrawn until its last hidden layer has full rank, so rank Σ_Y = %d%s); "+
						"first 80%% train, last 20%% test; not standardised. A fresh draw of the generator the paper describes (its own draw is unpublished).",
						opt.Seed, n, rr, rr, tt, min(rr, tt), rule)}
				tb.build(ds, splitHead, scaleNone, opt.SplitSeed)
				return ds, nil
			},
		}
	}
	registry["synthetic-fig3"] = synth("synthetic-fig3", "Fig 3 (bottom) and Fig 4 (right)", 10, 2, 1.3, 1.5) // the paper's target line ≈ 1.4
	registry["synthetic-fig8"] = synth("synthetic-fig8", "Fig 8", 3, 10, 0, math.Inf(1))
	registry["lowrank"] = &Info{
		Name: "lowrank", Paper: "linear low-rank synthetic variant (t=10, rank r=2)",
		HowToGet: "generated only: the paper describes the generator but publishes no data",
		StandIn:  "x ~ N(0, I₂₀), y = x·A·B with Gaussian A (20×r) and B (r×t); first 80% train",
		DefaultN: 10000,
		standIn: func(opt Options) (*Dataset, error) {
			n, t, r := orDefault(opt.N, 10000), orDefault(opt.TargetDim, 10), orDefault(opt.Rank, 2)
			tb, err := LowRank(n, t, r, opt.Seed)
			if err != nil {
				return nil, err
			}
			ds := &Dataset{Name: "lowrank", StandsInFor: "the paper's linear low-rank synthetic generator",
				Description: fmt.Sprintf("Linear low-rank synthetic (seed %d): %d samples x ~ N(0, I₂₀), y = x·A·B with A 20×%d and B %d×%d of N(0,1) entries (rank %d); first 80%% train, last 20%% test; not standardised.",
					opt.Seed, n, r, r, t, min(r, t))}
			tb.build(ds, splitHead, scaleNone, opt.SplitSeed)
			return ds, nil
		},
	}
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// head keeps the first n rows of the table (n ≤ 0 or n ≥ N: all).
func (tb *Table) head(n int) *Table {
	if n <= 0 || n >= tb.N {
		return tb
	}
	return &Table{X: tb.X[:n*tb.D], Y: tb.Y[:n*tb.T], N: n, D: tb.D, T: tb.T}
}

// build splits the images into ds with targets scaled by ysc.
func (im *Images) build(ds *Dataset, ysc Scaler, splitSeed uint64) {
	train, test := ShuffledSplit(im.N, splitSeed)
	per := im.Size * im.Size * 3
	ds.InputShape = []int{im.Size, im.Size, 3}
	ds.TargetDim = im.T
	ds.Train = Split{X: gather32(im.X, per, train), Y: ysc.apply(im.Y, im.T, train), N: len(train)}
	ds.Test = Split{X: gather32(im.X, per, test), Y: ysc.apply(im.Y, im.T, test), N: len(test)}
	ds.TargetScaler = ysc
}

// Names returns the registry names in a fixed order: the paper's real
// datasets first, then the synthetic ones.
func Names() []string { return append([]string(nil), order...) }

// Lookup returns the registry entry of name.
func Lookup(name string) (*Info, error) {
	e, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("unknown dataset %q; known: %s", name, strings.Join(order, ", "))
	}
	return e, nil
}

// DefaultDir returns the default data directory: $DEEPNRC_DATA if set,
// else $XDG_DATA_HOME/deepnrc, else ~/.local/share/deepnrc (the XDG
// default).
func DefaultDir() string {
	if d := os.Getenv("DEEPNRC_DATA"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "deepnrc")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".local", "share", "deepnrc")
	}
	return filepath.Join(home, ".local", "share", "deepnrc")
}

// withDefaults fills the zero fields of opt.
func (opt Options) withDefaults() Options {
	if opt.Dir == "" {
		opt.Dir = DefaultDir()
	}
	if opt.Source == "" {
		opt.Source = SourceAuto
	}
	if opt.SplitSeed == 0 {
		opt.SplitSeed = PaperSplitSeed
	}
	return opt
}

// RealPresent reports which of the entry's real files exist in dir: all of
// them (true, nil), none (false, nil), or some (false, a list of the
// missing ones).
func (e *Info) RealPresent(dir string) (all bool, missing []string) {
	if len(e.RealFiles) == 0 {
		return false, nil
	}
	for _, f := range e.RealFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			missing = append(missing, filepath.Join(dir, f))
		}
	}
	if len(missing) == 0 {
		return true, nil
	}
	if len(missing) == len(e.RealFiles) {
		return false, nil
	}
	return false, missing
}

// ErrNoRealData marks a Load with SourceReal for a dataset that has no real
// files (the synthetic ones) or whose files are missing.
var ErrNoRealData = errors.New("real data not available")

// Load returns the dataset called name (see Names), split and
// preprocessed. With SourceAuto (the default) it loads the real files when
// they are all present in opt.Dir, else the shipped simulated data where
// there is some (swimmer, reacher, hopper), else the stand-in; a partial set
// of real files is an error rather than a silent fallback. Dataset.Source
// tells which was loaded.
func Load(name string, opt Options) (*Dataset, error) {
	e, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	if opt.N < 0 || opt.ImageSize < 0 || opt.TargetDim < 0 || opt.Rank < 0 {
		return nil, fmt.Errorf("data.Load(%q): N, ImageSize, TargetDim and Rank must be ≥ 0 (0 = default)", name)
	}
	if err := checkLoadMemory(name, opt); err != nil {
		return nil, err
	}
	src := opt.Source
	all, missing := e.RealPresent(opt.Dir)
	switch src {
	case SourceStandIn, SourceReal:
	case SourceSimulated:
		if e.simulated == nil {
			return nil, fmt.Errorf("%s: deepnrc ships no simulated data for it (only for swimmer, reacher and hopper); use source %q or %q",
				name, SourceAuto, SourceStandIn)
		}
	case SourceAuto:
		if len(missing) > 0 {
			return nil, fmt.Errorf("%s: real data is incomplete, missing %s; %s (or use source %q)",
				name, strings.Join(missing, ", "), e.HowToGet, SourceStandIn)
		}
		src = e.DefaultSource(opt.Dir)
	default:
		return nil, fmt.Errorf("data.Load(%q): unknown source %q; use %q, %q, %q or %q", name, opt.Source, SourceAuto, SourceSimulated, SourceStandIn, SourceReal)
	}
	var ds *Dataset
	switch src {
	case SourceStandIn:
		ds, err = e.standIn(opt)
	case SourceSimulated:
		ds, err = e.simulated(opt)
	case SourceReal:
		if e.real == nil {
			return nil, fmt.Errorf("%s: %w: %s", name, ErrNoRealData, e.HowToGet)
		}
		if !all {
			if missing == nil {
				for _, f := range e.RealFiles {
					missing = append(missing, filepath.Join(opt.Dir, f))
				}
			}
			return nil, fmt.Errorf("%s: %w: missing %s; %s", name, ErrNoRealData, strings.Join(missing, ", "), e.HowToGet)
		}
		ds, err = e.real(opt.Dir, opt)
	}
	if err != nil {
		return nil, err
	}
	ds.Source = src
	if ds.Train.N <= ds.TargetDim || ds.Train.N < 2 {
		// Every covariance would have rank below t: each layer would look
		// collapsed whatever the network does.
		need := 1
		for n := 2; ; n++ {
			if tr, _ := SplitSizes(n); tr > ds.TargetDim && tr >= 2 {
				need = n
				break
			}
		}
		return nil, fmt.Errorf("%s: the training split has %d rows for %d targets; the metrics need n large enough for more training rows than targets (N ≥ %d; set --n or Options.N)",
			name, ds.Train.N, ds.TargetDim, need)
	}
	return ds, nil
}
