namespace Aegis.Core.Encoding;

/// <summary>Bytes that are not a valid canonical encoding. The message names the field and what was expected.</summary>
public sealed class CodecException : FormatException
{
    public CodecException(string message)
        : base(message)
    {
    }

    public CodecException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public CodecException()
    {
    }
}
