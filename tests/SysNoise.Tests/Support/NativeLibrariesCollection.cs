namespace SysNoise.Tests.Support;

/// <summary>
/// Tests that load OpenCvSharp's native library and tests that decode through libpng/libjpeg run one at a
/// time, after the parallel ones: with OpenCV resizing on other threads of the same process, libpng decodes
/// were seen to fail with "IDAT: CRC error" and the test host to crash (no symbol interposition was found;
/// the cause is not yet known). The CLI never loads OpenCvSharp.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeLibrariesCollection
{
    public const string Name = "native libraries";
}
