namespace Aegis.Storage;

/// <summary>The store cannot do what was asked: the database cannot be opened, has an unknown schema, or failed underneath.</summary>
public class StorageException : Exception
{
    public StorageException()
    {
    }

    public StorageException(string message)
        : base(message)
    {
    }

    public StorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
