using System.Runtime.CompilerServices;
using SysNoise.Runtime.Native;

namespace SysNoise.Tests.Support;

internal static class NativeLoadOrder
{
    /// <summary>Our codecs load before OpenCvSharp does (see <see cref="SysNoiseNative"/>).</summary>
    [ModuleInitializer]
    internal static void LoadSysNoiseNativeFirst() => SysNoiseNative.EnsureLoaded();
}
