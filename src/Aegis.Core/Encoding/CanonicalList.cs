namespace Aegis.Core.Encoding;

/// <summary>Reads one item of a list; a delegate because <see cref="CanonicalReader"/> is a ref struct.</summary>
public delegate T ReadItem<out T>(ref CanonicalReader reader);

/// <summary>Lists in the canonical encoding: a u32 count (bounded before allocating), then the items.</summary>
public static class CanonicalList
{
    public static void Write<T>(CanonicalWriter w, IReadOnlyList<T> items, Action<CanonicalWriter, T> writeItem)
    {
        w.WriteU32((uint)items.Count);
        foreach (T item in items)
        {
            writeItem(w, item);
        }
    }

    public static T[] Read<T>(ref CanonicalReader r, string field, int max, ReadItem<T> readItem)
    {
        int count = r.ReadCount(field, max);
        var items = new T[count];
        for (int i = 0; i < count; i++)
        {
            items[i] = readItem(ref r);
        }

        return items;
    }
}
