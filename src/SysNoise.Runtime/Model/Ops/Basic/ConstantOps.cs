using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Ops.Elementwise;
using SysNoise.Runtime.Model.Ops.Shape;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Basic;

/// <summary>Constant: value (tensor), value_float(s), value_int(s) (opset 12). Sparse and string values are refused at load.</summary>
public sealed class ConstantOperator : IOnnxOperator
{
    public string OpType => "Constant";

    public IEnumerable<string> Check(OnnxNode node)
    {
        string[] known = ["value", "value_float", "value_floats", "value_int", "value_ints"];
        if (!known.Any(node.Has))
        {
            yield return "unsupported Constant attribute (SysNoise reads value, value_float(s), value_int(s))";
        }
    }

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        if (node.TensorAttribute("value") is { } t)
        {
            return [t];
        }

        if (node.Has("value_float"))
        {
            return [new Tensor<float>([node.Float("value_float", 0)], [])];
        }

        if (node.Floats("value_floats") is { } fs)
        {
            return [new Tensor<float>((float[])fs.Clone(), fs.Length)];
        }

        if (node.Has("value_int"))
        {
            return [new Tensor<long>([node.Int("value_int", 0)], [])];
        }

        if (node.Ints("value_ints") is { } ls)
        {
            return [new Tensor<long>((long[])ls.Clone(), ls.Length)];
        }

        throw new ArgumentException("Constant has no value");
    }
}

/// <summary>ConstantOfShape: a tensor of the given shape filled with value (default float32 0).</summary>
public sealed class ConstantOfShapeOperator : IOnnxOperator
{
    public string OpType => "ConstantOfShape";

    public int MinOpset => 9;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        int[] shape = Typed.ToShape(Lanes.Ints(inputs[0], "ConstantOfShape shape"), "ConstantOfShape shape");
        Tensor value = node.TensorAttribute("value") ?? new Tensor<float>([0f], 1);
        if (value.Length != 1)
        {
            throw new ArgumentException("ConstantOfShape value must have one element");
        }

        return [Typed.Take(value, new int[Tensor.ElementCount(shape)], shape)];
    }
}

/// <summary>Dropout in inference: the input itself and an all-true mask (all ones of the input's type before opset 10). Training mode (random masks) is refused at load.</summary>
public sealed class DropoutOperator : IOnnxOperator
{
    public string OpType => "Dropout";

    public IEnumerable<string> Check(OnnxNode node)
    {
        if (node.Opset < 7 && node.Int("is_test", 0) == 0)
        {
            yield return "unsupported Dropout in training mode (is_test = 0): SysNoise runs inference only";
        }

    }

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0]!;
        // Exporters pass training_mode explicitly; only training with a non-zero ratio draws random masks
        // (ratio 0 is the identity in either mode, as in torchvision's Swin attention dropout).
        bool training = inputs.Count > 2 && inputs[2] is Tensor<bool> { Data: [true, ..] };
        double ratio = inputs.Count > 1 && inputs[1] is { Length: > 0 } r ? r.GetAsDouble(0) : 0.5;
        if (training && ratio != 0)
        {
            throw new NotSupportedException("Dropout with training_mode = true: SysNoise runs inference only (random masks are not reproducible)");
        }

        if (node.Outputs.Count < 2)
        {
            return [x];
        }

        if (node.Opset < 10)
        {
            // Dropout-7: the mask has the input's type (all ones).
            return [x, Typed.Take(Basic.CastOperator.Convert(new Tensor<float>([1f], []), x.DType), new int[x.Length], x.Shape)];
        }

        var mask = new bool[x.Length];
        Array.Fill(mask, true);
        return [x, new Tensor<bool>(mask, x.Shape)];
    }
}

/// <summary>Where: condition ? X : Y with three-way broadcasting.</summary>
public sealed class WhereOperator : IOnnxOperator
{
    public string OpType => "Where";

    public int MinOpset => 9;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        if (inputs[0] is not Tensor<bool> cond)
        {
            throw new ArgumentException("Where condition must be bool");
        }

        Tensor x = inputs[1]!, y = inputs[2]!;
        if (x.DType != y.DType)
        {
            throw new ArgumentException("Where X and Y differ in type");
        }

        var plan = SysNoise.Kernels.Model.Elementwise.BroadcastPlan.Create(cond.Shape, x.Shape, y.Shape);
        return [Typed.Accept(x, new SelectVisitor(cond, y, plan, context.Threads))];
    }

    private sealed class SelectVisitor(Tensor<bool> cond, Tensor y, SysNoise.Kernels.Model.Elementwise.BroadcastPlan plan, int threads) : ITensorVisitor<Tensor>
    {
        public Tensor Visit<T>(Tensor<T> x)
            where T : unmanaged
        {
            var r = new T[plan.Count];
            SysNoise.Kernels.Model.Elementwise.ElementwiseHost.Select(cond.Data, x.Data, ((Tensor<T>)y).Data, r, plan, threads);
            return new Tensor<T>(r, plan.OutShape);
        }
    }
}
