namespace Aegis.Storage;

/// <summary>A block was refused before anything was written: it does not extend the tip, or its parts disagree.</summary>
public sealed class BlockRejectedException : StorageException
{
    public BlockRejectedException()
    {
    }

    public BlockRejectedException(string message)
        : base(message)
    {
    }

    public BlockRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
