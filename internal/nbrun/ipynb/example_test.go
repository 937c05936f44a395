package ipynb_test

import (
	"fmt"
	"log"

	"github.com/deepnrc/deepnrc/internal/nbrun/ipynb"
)

// A notebook generated from Go: markdown and code cells, a cell that must
// show a figure, and the deepnrc kernelspec. Write stores it atomically.
func ExampleNew() {
	nb := ipynb.New(
		ipynb.Markdown("# Figure 1\n\nWhat the figure claims."),
		ipynb.Code("import \"github.com/deepnrc/deepnrc/nrclib/stats\"\n\n%%\nm := stats.New(2, 1)\n_ = m"),
		ipynb.Code("%%\nshowFigure()").ExpectSVG(),
	)
	data, err := nb.Marshal() // or nb.Write("notebooks/fig1.ipynb")
	if err != nil {
		log.Fatal(err)
	}
	back, err := ipynb.Parse(data)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("kernel:", back.Metadata["kernelspec"].(map[string]any)["name"])
	for _, c := range back.Cells {
		fmt.Printf("%-8s id=%s expects_svg=%v\n", c.Type, c.ID, ipynb.ExpectsSVG(c.Metadata))
	}
	// Output:
	// kernel: deepnrc
	// markdown id=36ed6fff expects_svg=false
	// code     id=03a83582 expects_svg=false
	// code     id=129bcfd7 expects_svg=true
}

// Check finds what GoNB reports only as stderr text: here a cell program
// that panicked, although Jupyter saw the cell succeed.
func ExampleCheck() {
	nb, err := ipynb.Parse([]byte(`{
 "cells": [{"cell_type": "code", "id": "a1", "execution_count": 1, "metadata": {}, "source": "%%\npanic(\"boom\")",
   "outputs": [{"output_type": "stream", "name": "stderr", "text": ["panic: boom\n", "exit status 2\n"]}]}],
 "metadata": {"deepnrc": {"expects_svg": true}}, "nbformat": 4, "nbformat_minor": 5}`))
	if err != nil {
		log.Fatal(err)
	}
	r := ipynb.Check(nb)
	for _, p := range r.Problems {
		fmt.Println(p)
	}
	// Output:
	// cell 0 (id a1) [panic] panic: boom
	// cell 0 (id a1) [exit] exit status 2
	// notebook [no-svg] the notebook declares deepnrc.expects_svg but no cell displayed an SVG
}
