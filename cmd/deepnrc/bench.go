package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/deepnrc/deepnrc/bench"
	"github.com/deepnrc/deepnrc/nrclib/backend"
)

func init() {
	register(command{
		name:    "bench",
		summary: "benchmarks: `bench train` (training steps vs PyTorch), `bench matmul` (matrix products vs NumPy/OpenBLAS)",
		run:     runBench,
		examples: []string{
			"deepnrc bench train                          # every case, against PyTorch (/usr/bin/python3)",
			"deepnrc bench train --cases swimmer-mlp --no-torch --steps 10",
			"deepnrc bench train --json > bench.json",
			"deepnrc bench train --baselines native,SkylakeX   # PyTorch as OpenBLAS detects the CPU, and with its AVX-512 kernels forced",
			"deepnrc bench matmul                         # deepnrc's GEMM vs stock simplego vs NumPy/OpenBLAS",
		},
	})
}

const benchUsage = "Usage: deepnrc bench train [--json] [--steps N] [--rounds R] [--cases a,b] [--stock a,b] [--baselines native,CORE] [--python P | --no-torch] [--torch-threads N]\n       deepnrc bench matmul [--json] [--rounds R] [--seconds S] [--baselines native,CORE] [--python P | --no-numpy]"

func runBench(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintln(stdout, benchUsage+"\n\nThe benchmarks are \"train\" and \"matmul\"; deepnrc bench train -h and deepnrc bench matmul -h list their flags.")
		writeExamples(stdout, commands["bench"].examples)
		return nil
	}
	if len(args) > 0 && args[0] == "matmul" {
		return runBenchMatmul(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "train" {
		fmt.Fprintln(stderr, benchUsage)
		return fmt.Errorf("unknown or missing benchmark: use \"train\" or \"matmul\"")
	}
	fs := flag.NewFlagSet("bench train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, "bench", benchUsage)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	steps := fs.Int("steps", 20, "timed steps per round")
	rounds := fs.Int("rounds", 3, "interleaved rounds; the best is reported")
	casesFlag := fs.String("cases", "", "comma-separated cases to run (default all)")
	stock := fs.String("stock", "swimmer-mlp", "comma-separated cases also timed with GoMLX's stock gradients (\"\" for none)")
	python := fs.String("python", "/usr/bin/python3", "Python with PyTorch (Debian's python3-torch)")
	noTorch := fs.Bool("no-torch", false, "do not run PyTorch")
	torchThreads := fs.Int("torch-threads", 0, "PyTorch intra-op threads (0 = PyTorch's default)")
	baselines := fs.String("baselines", "native", "PyTorch baselines, comma-separated: native (OpenBLAS's own kernel choice) or an OpenBLAS core to force, e.g. SkylakeX; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are always unset for them")
	verbose := fs.Bool("v", false, "log every measurement to stderr")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	all, err := bench.DefaultCases()
	if err != nil {
		return err
	}
	cases := all
	if *casesFlag != "" {
		cases = nil
		for _, name := range strings.Split(*casesFlag, ",") {
			i := slices.IndexFunc(all, func(c bench.Case) bool { return c.Name == name })
			if i < 0 {
				var names []string
				for _, c := range all {
					names = append(names, c.Name)
				}
				return fmt.Errorf("unknown case %q; known: %s", name, strings.Join(names, ", "))
			}
			cases = append(cases, all[i])
		}
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	opt := bench.Options{Steps: *steps, Rounds: *rounds, Python: *python, TorchThreads: *torchThreads,
		Baselines: bench.ParseBaselines(*baselines)}
	if *noTorch {
		opt.Python = "-"
	}
	if *stock != "" {
		opt.Stock = strings.Split(*stock, ",")
	}
	if *verbose {
		opt.Log = stderr
	}
	rep, err := bench.Run(b, cases, opt)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteText(stdout)
}

func runBenchMatmul(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench matmul", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, "bench", "Usage: deepnrc bench matmul [--json] [--rounds R] [--seconds S] [--baselines native,CORE] [--python P | --no-numpy]")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	rounds := fs.Int("rounds", 3, "interleaved rounds; the best is reported")
	seconds := fs.Float64("seconds", 0.3, "least duration of one measurement")
	python := fs.String("python", "/usr/bin/python3", "Python with NumPy (Debian's python3-numpy)")
	noNumPy := fs.Bool("no-numpy", false, "do not run NumPy")
	baselines := fs.String("baselines", "native", "NumPy baselines, comma-separated: native (OpenBLAS's own kernel choice) or an OpenBLAS core to force, e.g. SkylakeX; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are always unset for them")
	verbose := fs.Bool("v", false, "log every measurement to stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	opt := bench.MatmulOptions{Rounds: *rounds, Seconds: *seconds, Python: *python, Baselines: bench.ParseBaselines(*baselines)}
	if *noNumPy {
		opt.Python = "-"
	}
	if *verbose {
		opt.Log = stderr
	}
	rep, err := bench.RunMatmul(b, bench.DefaultProducts(), opt)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteText(stdout)
}
