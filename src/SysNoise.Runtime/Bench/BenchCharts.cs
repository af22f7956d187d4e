using ScottPlot;

namespace SysNoise.Runtime.Bench;

/// <summary>PNG charts: ΔACC per noise type and model (grouped bars, worst variant) and the step-by-step curve.</summary>
public static class BenchCharts
{
    public static void Write(BenchResult result, string outDir)
    {
        string[] noises = NoiseTypes.All.Where(n => result.Rows.Any(r => r.Noise == n && r.DeltaTop1 is not null)).ToArray();
        var bars = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int models = result.ModelNames.Count;
        for (int m = 0; m < models; m++)
        {
            string model = result.ModelNames[m];
            var list = new List<Bar>();
            for (int n = 0; n < noises.Length; n++)
            {
                double value = result.Rows.Where(r => r.Model == model && r.Noise == noises[n] && r.DeltaTop1 is not null).Select(r => r.DeltaTop1!.Value).DefaultIfEmpty(0).Max();
                list.Add(new Bar { Position = (n * (models + 1)) + m, Value = value, FillColor = palette.GetColor(m) });
            }

            bars.Add.Bars(list).LegendText = model;
        }

        bars.Axes.Bottom.SetTicks(noises.Select((_, n) => (double)((n * (models + 1)) + ((models - 1) / 2.0))).ToArray(), noises);
        bars.YLabel("ΔACC (top-1 points, worst variant)");
        bars.ShowLegend();
        bars.SavePng(Path.Combine(outDir, "delta_acc.png"), 900, 500);

        var steps = new Plot();
        for (int m = 0; m < models; m++)
        {
            string model = result.ModelNames[m];
            var points = result.Rows.Where(r => r.Model == model && r.Noise == NoiseTypes.Step && r.DeltaTop1 is not null).Select(r => r.DeltaTop1!.Value).Prepend(0).ToArray();
            if (points.Length > 1)
            {
                var line = steps.Add.Scatter(Enumerable.Range(0, points.Length).Select(i => (double)i).ToArray(), points);
                line.LegendText = model;
            }
        }

        steps.XLabel("noise types added (decreasing single impact)");
        steps.YLabel("ΔACC (top-1 points)");
        steps.ShowLegend();
        steps.SavePng(Path.Combine(outDir, "step_by_step.png"), 900, 500);
    }
}
