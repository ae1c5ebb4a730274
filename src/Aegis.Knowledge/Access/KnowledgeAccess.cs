using Aegis.Knowledge.Retrieval;

namespace Aegis.Knowledge.Access;

/// <summary>
/// The visibility rules, applied inside every search, listing and Qdrant read (never after the ranking, so a hidden
/// document cannot even shift another's rank): general collections are readable by everyone, personal_knowledge only
/// by each point's owner, and a point in an area only by that area's members.
/// </summary>
public static class KnowledgeAccess
{
    public const string General = "general_knowledge";
    public const string Personal = "personal_knowledge";

    public static bool CanRead(Caller caller, string collection, string? owner, string? areaId) =>
        (collection != Personal || owner == caller.Subject) && (areaId is null || caller.IsMemberOf(areaId));

    public static Func<Point, bool> Filter(Caller caller, string collection) =>
        p => CanRead(caller, collection, p.Owner, p.AreaId);
}
