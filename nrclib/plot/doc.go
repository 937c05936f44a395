// Package plot draws the Deep NRC figures from the long-format results table
// ([]nrc.Record) in the style of the paper: probed layers on the x axis,
// purple × markers joined by lines, a green dotted vertical line at the
// first collapsed layer, a red dashed horizontal target line and a log y
// axis for errors.
//
// The package has three layers:
//
//   - Panel builders return one gonum/plot *plot.Plot each:
//     [AcrossLayers] (one or more curves across layers, with weight-decay
//     sweep overlays and min–max bands over seeds), [OverEpochs] (metrics
//     against the epoch, e.g. train and test MSE) and [GammaCurve] (NRC3
//     against γ/λ_min).
//   - [Grid] composes panels into a [Figure] with optional column titles
//     (e.g. dataset names) and renders it to one SVG ([Figure.SVG]) or PNG
//     ([Figure.PNG]), or writes both atomically ([Figure.WriteFiles]).
//   - [NewTable] turns records into a layers × metrics table for reports
//     and notebooks ([Table.Markdown], [Table.HTML]).
//
// Readability: every panel labels its axes (x "layer" or "epoch", y the
// metric, from the one table of metric labels and domains, [AxisOf]); a
// linear y axis stays within the metric's domain (noise, CKA and alignments
// in [0, 1]) with [NiceTicks]; errors get log axes; legends sit in rows
// between a panel's title and its data, never over the data; a figure's
// panels share about 11 inches (1060 px at 100 % zoom), and every SVG text
// carries the width it was laid out at, so that a viewer without Liberation
// Serif keeps the layout.
//
// The returned *plot.Plot values are ordinary gonum/plot plots: callers may
// adjust them (axis labels, extra plotters) before composing a figure.
//
// This package does not depend on GoNB. The notebook helpers that display
// figures and tables inline live in the sub-package plot/display.
//
// Record selection: every builder works on a single run and epoch per
// curve. A curve's runs default to the only run that has its metric (an
// error lists the runs when there are several), and the epoch defaults to
// the latest epoch at which the run has the metric. Layers are in network
// order: the order of first appearance of layer names in the records
// (run-level records, with Layer "", are not layers), unless an explicit
// layer list is given.
package plot
