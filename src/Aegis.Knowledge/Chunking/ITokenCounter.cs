namespace Aegis.Knowledge.Chunking;

/// <summary>How many model tokens a whitespace-free word becomes (the embedding model's own tokenizer).</summary>
public interface ITokenCounter
{
    int Count(string word);
}
