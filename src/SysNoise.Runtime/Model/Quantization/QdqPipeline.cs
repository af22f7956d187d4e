using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Profiles;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Quantization;

/// <summary>
/// INT8 QDQ fake quantization for a float model: activation ranges calibrated by running the float model on the
/// calibration inputs (every float value seen through the session's per-value callback), weights quantized per
/// the profile's settings, and QuantizeLinear/DequantizeLinear pairs inserted around Conv/Gemm/MatMul. The result is
/// an ordinary ONNX model: the executor runs it in fp32 with its Q/DQ ops (bit-exact with ONNX Runtime on the same
/// QDQ graph), and <see cref="Bytes"/> can be saved so that users can run it in ONNX Runtime too.
/// </summary>
public sealed class QdqPipeline
{
    private QdqPipeline(OnnxModel model, byte[] bytes)
    {
        Model = model;
        Bytes = bytes;
    }

    /// <summary>The QDQ model.</summary>
    public OnnxModel Model { get; }

    /// <summary>The QDQ model as an .onnx file's bytes.</summary>
    public byte[] Bytes { get; }

    public static QdqPipeline Prepare(OnnxModel floatModel, IEnumerable<IReadOnlyDictionary<string, Tensor>> calibrationInputs, QuantizationSettings settings, int threads = 0)
    {
        RangeCalibrator calibrator = Calibrate(floatModel, calibrationInputs, settings, threads);
        var options = new QdqOptions
        {
            PerChannel = settings.Weights == WeightGranularity.PerChannel,
            SymmetricWeights = settings.Symmetric,
            WeightRounding = settings.Rounding == Profiles.QuantRounding.HalfAwayFromZero ? QuantRounding.HalfAwayFromZero : QuantRounding.HalfToEven,
        };
        byte[] bytes = QdqRewriter.Rewrite(File.ReadAllBytes(floatModel.Path), calibrator, options);
        string directory = Path.GetDirectoryName(Path.GetFullPath(floatModel.Path)) ?? ".";
        OnnxModel qdq = OnnxLoader.Load(bytes, floatModel.Path + " (int8 QDQ)", directory);
        return new QdqPipeline(qdq, bytes);
    }

    /// <summary>
    /// Activation ranges of every float value the model produces over the calibration inputs (min-max or percentile per
    /// the settings), from the fp32 session's per-value callback. Shared by the QDQ and integer paths.
    /// </summary>
    internal static RangeCalibrator Calibrate(OnnxModel floatModel, IEnumerable<IReadOnlyDictionary<string, Tensor>> calibrationInputs, QuantizationSettings settings, int threads)
    {
        var calibrator = new RangeCalibrator(
            settings.Activations == ActivationCalibration.Percentile ? CalibrationMethod.Percentile : CalibrationMethod.MinMax,
            settings.Percentile);
        var session = new OnnxSession(floatModel, new ExecutionOptions { Threads = threads });
        int count = 0;
        foreach (IReadOnlyDictionary<string, Tensor> inputs in calibrationInputs)
        {
            session.Run(inputs, calibrator.Add);
            count++;
        }

        if (count == 0)
        {
            throw new ArgumentException("int8 calibration needs at least one input");
        }

        return calibrator;
    }
}
