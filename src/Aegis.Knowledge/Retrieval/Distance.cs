namespace Aegis.Knowledge.Retrieval;

/// <summary>Qdrant's distance names; cosine vectors are normalised at insert, so both are a dot product at query time.</summary>
public enum Distance
{
    Cosine,
    Dot,
}

public static class DistanceNames
{
    public static bool TryParse(string? name, out Distance distance)
    {
        switch (name)
        {
            case "Cosine":
                distance = Distance.Cosine;
                return true;
            case "Dot":
                distance = Distance.Dot;
                return true;
            default:
                distance = default;
                return false;
        }
    }

    public static string Name(Distance d) => d == Distance.Cosine ? "Cosine" : "Dot";
}
