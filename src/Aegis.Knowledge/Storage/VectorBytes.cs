using System.Runtime.InteropServices;

namespace Aegis.Knowledge.Storage;

/// <summary>Vectors are stored as little-endian float32 bytes (4 × dimensions), the same on both engines.</summary>
internal static class VectorBytes
{
    public static byte[] From(float[] vector)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("the vector format is little-endian");
        }

        return MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();
    }

    public static float[] To(byte[] bytes)
    {
        if (bytes.Length % 4 != 0)
        {
            throw new InvalidDataException($"stored vector has {bytes.Length} bytes, not a multiple of 4");
        }

        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }
}
