namespace Aegis.Fuzz;

/// <summary>Feeds one untrusted input to one decoder. Throws only for a finding: an unexpected exception or a broken oracle.</summary>
public delegate void FuzzAction(ReadOnlySpan<byte> input);

/// <summary>
/// One decoder under fuzzing. <see cref="Family"/> groups targets for the execution budget (codec, p2p, sync, config,
/// rest); the seed corpus lives in <c>fuzz/corpus/{Name}</c>.
/// </summary>
public sealed record FuzzTarget(string Name, string Family, string Decoder, FuzzAction Run);

/// <summary>A decoder accepted input that it would not itself produce, or another invariant of a decoder failed.</summary>
public sealed class FuzzOracleException : Exception
{
    public FuzzOracleException(string message)
        : base(message)
    {
    }

    public FuzzOracleException()
    {
    }

    public FuzzOracleException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>A canonical encoding has one form: what decodes must re-encode to exactly the same bytes.</summary>
    public static void RequireSameBytes(ReadOnlySpan<byte> input, ReadOnlySpan<byte> reencoded, string what)
    {
        if (!input.SequenceEqual(reencoded))
        {
            throw new FuzzOracleException($"{what}: decoded {input.Length} bytes that re-encode to {reencoded.Length} different bytes (two encodings of one value)");
        }
    }

    /// <summary>The clear error must say something: a refusal with an empty message names no problem.</summary>
    public static void RequireMessage(Exception ex)
    {
        if (string.IsNullOrWhiteSpace(ex.Message))
        {
            throw new FuzzOracleException($"{ex.GetType().Name} with an empty message", ex);
        }
    }
}

/// <summary>Decodes one value from bytes (a span cannot be a generic argument of Func).</summary>
public delegate T SpanDecoder<out T>(ReadOnlySpan<byte> bytes);

/// <summary>The common shape of a canonical-codec target.</summary>
public static class Canonical
{
    /// <summary>
    /// Null when the decoder refused the input with its clear error (a <see cref="FormatException"/> with a message);
    /// otherwise the value, after checking that it re-encodes to exactly the input.
    /// </summary>
    public static T? Decode<T>(ReadOnlySpan<byte> input, SpanDecoder<T> decode, Func<T, byte[]> encode, Func<T, string> what)
        where T : class
    {
        T value;
        try
        {
            value = decode(input);
        }
        catch (FormatException ex)
        {
            FuzzOracleException.RequireMessage(ex);
            return null;
        }

        FuzzOracleException.RequireSameBytes(input, encode(value), what(value));
        return value;
    }
}
