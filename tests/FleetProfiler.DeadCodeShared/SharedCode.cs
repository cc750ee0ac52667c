using System.Runtime.CompilerServices;

namespace FleetProfiler.DeadCodeShared;

/// <summary>The half of the shared code the web service calls (the worker never does).</summary>
public static class SharedHalfA
{
    public static long LargeA(long x)
    {
        Executed.Here();
        var acc = x;
        acc = (acc * 31) ^ (x + 3);
        acc = (acc * 32) ^ (x + 10);
        acc = (acc * 33) ^ (x + 17);
        acc = (acc * 34) ^ (x + 24);
        acc = (acc * 35) ^ (x + 31);
        acc = (acc * 36) ^ (x + 38);
        acc = (acc * 37) ^ (x + 45);
        acc = (acc * 38) ^ (x + 52);
        acc = (acc * 39) ^ (x + 59);
        acc = (acc * 40) ^ (x + 66);
        acc = (acc * 41) ^ (x + 73);
        acc = (acc * 42) ^ (x + 80);
        acc = (acc * 43) ^ (x + 87);
        acc = (acc * 44) ^ (x + 94);
        acc = (acc * 45) ^ (x + 101);
        acc = (acc * 46) ^ (x + 108);
        acc = (acc * 47) ^ (x + 115);
        acc = (acc * 48) ^ (x + 122);
        acc = (acc * 49) ^ (x + 129);
        acc = (acc * 50) ^ (x + 136);
        acc = (acc * 51) ^ (x + 143);
        acc = (acc * 52) ^ (x + 150);
        acc = (acc * 53) ^ (x + 157);
        acc = (acc * 54) ^ (x + 164);
        acc = (acc * 55) ^ (x + 171);
        acc = (acc * 56) ^ (x + 178);
        acc = (acc * 57) ^ (x + 185);
        acc = (acc * 58) ^ (x + 192);
        acc = (acc * 59) ^ (x + 199);
        acc = (acc * 60) ^ (x + 206);
        acc = (acc * 61) ^ (x + 213);
        acc = (acc * 62) ^ (x + 220);
        acc = (acc * 63) ^ (x + 227);
        acc = (acc * 64) ^ (x + 234);
        acc = (acc * 65) ^ (x + 241);
        acc = (acc * 66) ^ (x + 248);
        acc = (acc * 67) ^ (x + 255);
        acc = (acc * 68) ^ (x + 262);
        acc = (acc * 69) ^ (x + 269);
        acc = (acc * 70) ^ (x + 276);
        acc = (acc * 71) ^ (x + 283);
        acc = (acc * 72) ^ (x + 290);
        acc = (acc * 73) ^ (x + 297);
        acc = (acc * 74) ^ (x + 304);
        acc = (acc * 75) ^ (x + 311);
        acc = (acc * 76) ^ (x + 318);
        acc = (acc * 77) ^ (x + 325);
        acc = (acc * 78) ^ (x + 332);
        acc = (acc * 79) ^ (x + 339);
        acc = (acc * 80) ^ (x + 346);
        acc = (acc * 81) ^ (x + 353);
        acc = (acc * 82) ^ (x + 360);
        acc = (acc * 83) ^ (x + 367);
        acc = (acc * 84) ^ (x + 374);
        acc = (acc * 85) ^ (x + 381);
        acc = (acc * 86) ^ (x + 388);
        acc = (acc * 87) ^ (x + 395);
        acc = (acc * 88) ^ (x + 402);
        acc = (acc * 89) ^ (x + 409);
        acc = (acc * 90) ^ (x + 416);
        acc = (acc * 91) ^ (x + 423);
        acc = (acc * 92) ^ (x + 430);
        acc = (acc * 93) ^ (x + 437);
        acc = (acc * 94) ^ (x + 444);
        acc = (acc * 95) ^ (x + 451);
        acc = (acc * 96) ^ (x + 458);
        acc = (acc * 97) ^ (x + 465);
        acc = (acc * 98) ^ (x + 472);
        acc = (acc * 99) ^ (x + 479);
        acc = (acc * 100) ^ (x + 486);
        acc = (acc * 101) ^ (x + 493);
        acc = (acc * 102) ^ (x + 500);
        acc = (acc * 103) ^ (x + 507);
        acc = (acc * 104) ^ (x + 514);
        acc = (acc * 105) ^ (x + 521);
        acc = (acc * 106) ^ (x + 528);
        acc = (acc * 107) ^ (x + 535);
        acc = (acc * 108) ^ (x + 542);
        acc = (acc * 109) ^ (x + 549);
        acc = (acc * 110) ^ (x + 556);
        acc = (acc * 111) ^ (x + 563);
        acc = (acc * 112) ^ (x + 570);
        acc = (acc * 113) ^ (x + 577);
        acc = (acc * 114) ^ (x + 584);
        acc = (acc * 115) ^ (x + 591);
        acc = (acc * 116) ^ (x + 598);
        acc = (acc * 117) ^ (x + 605);
        acc = (acc * 118) ^ (x + 612);
        acc = (acc * 119) ^ (x + 619);
        acc = (acc * 120) ^ (x + 626);
        return acc;
    }

    public static long SmallA(long x)
    {
        Executed.Here();
        return x * 3 + 1;
    }
}

/// <summary>The half of the shared code the worker calls (the web service never does).</summary>
public static class SharedHalfB
{
    public static long LargeB(long x)
    {
        Executed.Here();
        var acc = x;
        acc = (acc * 31) ^ (x + 3);
        acc = (acc * 32) ^ (x + 10);
        acc = (acc * 33) ^ (x + 17);
        acc = (acc * 34) ^ (x + 24);
        acc = (acc * 35) ^ (x + 31);
        acc = (acc * 36) ^ (x + 38);
        acc = (acc * 37) ^ (x + 45);
        acc = (acc * 38) ^ (x + 52);
        acc = (acc * 39) ^ (x + 59);
        acc = (acc * 40) ^ (x + 66);
        acc = (acc * 41) ^ (x + 73);
        acc = (acc * 42) ^ (x + 80);
        acc = (acc * 43) ^ (x + 87);
        acc = (acc * 44) ^ (x + 94);
        acc = (acc * 45) ^ (x + 101);
        acc = (acc * 46) ^ (x + 108);
        acc = (acc * 47) ^ (x + 115);
        acc = (acc * 48) ^ (x + 122);
        acc = (acc * 49) ^ (x + 129);
        acc = (acc * 50) ^ (x + 136);
        acc = (acc * 51) ^ (x + 143);
        acc = (acc * 52) ^ (x + 150);
        acc = (acc * 53) ^ (x + 157);
        acc = (acc * 54) ^ (x + 164);
        acc = (acc * 55) ^ (x + 171);
        acc = (acc * 56) ^ (x + 178);
        acc = (acc * 57) ^ (x + 185);
        acc = (acc * 58) ^ (x + 192);
        acc = (acc * 59) ^ (x + 199);
        acc = (acc * 60) ^ (x + 206);
        acc = (acc * 61) ^ (x + 213);
        acc = (acc * 62) ^ (x + 220);
        acc = (acc * 63) ^ (x + 227);
        acc = (acc * 64) ^ (x + 234);
        acc = (acc * 65) ^ (x + 241);
        acc = (acc * 66) ^ (x + 248);
        acc = (acc * 67) ^ (x + 255);
        acc = (acc * 68) ^ (x + 262);
        acc = (acc * 69) ^ (x + 269);
        acc = (acc * 70) ^ (x + 276);
        acc = (acc * 71) ^ (x + 283);
        acc = (acc * 72) ^ (x + 290);
        acc = (acc * 73) ^ (x + 297);
        acc = (acc * 74) ^ (x + 304);
        acc = (acc * 75) ^ (x + 311);
        acc = (acc * 76) ^ (x + 318);
        acc = (acc * 77) ^ (x + 325);
        acc = (acc * 78) ^ (x + 332);
        acc = (acc * 79) ^ (x + 339);
        acc = (acc * 80) ^ (x + 346);
        acc = (acc * 81) ^ (x + 353);
        acc = (acc * 82) ^ (x + 360);
        acc = (acc * 83) ^ (x + 367);
        acc = (acc * 84) ^ (x + 374);
        acc = (acc * 85) ^ (x + 381);
        acc = (acc * 86) ^ (x + 388);
        acc = (acc * 87) ^ (x + 395);
        acc = (acc * 88) ^ (x + 402);
        acc = (acc * 89) ^ (x + 409);
        acc = (acc * 90) ^ (x + 416);
        acc = (acc * 91) ^ (x + 423);
        acc = (acc * 92) ^ (x + 430);
        acc = (acc * 93) ^ (x + 437);
        acc = (acc * 94) ^ (x + 444);
        acc = (acc * 95) ^ (x + 451);
        acc = (acc * 96) ^ (x + 458);
        acc = (acc * 97) ^ (x + 465);
        acc = (acc * 98) ^ (x + 472);
        acc = (acc * 99) ^ (x + 479);
        acc = (acc * 100) ^ (x + 486);
        acc = (acc * 101) ^ (x + 493);
        acc = (acc * 102) ^ (x + 500);
        acc = (acc * 103) ^ (x + 507);
        acc = (acc * 104) ^ (x + 514);
        acc = (acc * 105) ^ (x + 521);
        acc = (acc * 106) ^ (x + 528);
        acc = (acc * 107) ^ (x + 535);
        acc = (acc * 108) ^ (x + 542);
        acc = (acc * 109) ^ (x + 549);
        acc = (acc * 110) ^ (x + 556);
        acc = (acc * 111) ^ (x + 563);
        acc = (acc * 112) ^ (x + 570);
        acc = (acc * 113) ^ (x + 577);
        acc = (acc * 114) ^ (x + 584);
        acc = (acc * 115) ^ (x + 591);
        acc = (acc * 116) ^ (x + 598);
        acc = (acc * 117) ^ (x + 605);
        acc = (acc * 118) ^ (x + 612);
        acc = (acc * 119) ^ (x + 619);
        acc = (acc * 120) ^ (x + 626);
        return acc;
    }

    public static long SmallB(long x)
    {
        Executed.Here();
        return x * 5 + 2;
    }
}

/// <summary>Shared code neither service calls: missed in every run of the day.</summary>
public static class SharedNeverCalled
{
    public static long LargeNever(long x)
    {
        Executed.Here();
        var acc = x;
        acc = (acc * 31) ^ (x + 3);
        acc = (acc * 32) ^ (x + 10);
        acc = (acc * 33) ^ (x + 17);
        acc = (acc * 34) ^ (x + 24);
        acc = (acc * 35) ^ (x + 31);
        acc = (acc * 36) ^ (x + 38);
        acc = (acc * 37) ^ (x + 45);
        acc = (acc * 38) ^ (x + 52);
        acc = (acc * 39) ^ (x + 59);
        acc = (acc * 40) ^ (x + 66);
        acc = (acc * 41) ^ (x + 73);
        acc = (acc * 42) ^ (x + 80);
        acc = (acc * 43) ^ (x + 87);
        acc = (acc * 44) ^ (x + 94);
        acc = (acc * 45) ^ (x + 101);
        acc = (acc * 46) ^ (x + 108);
        acc = (acc * 47) ^ (x + 115);
        acc = (acc * 48) ^ (x + 122);
        acc = (acc * 49) ^ (x + 129);
        acc = (acc * 50) ^ (x + 136);
        acc = (acc * 51) ^ (x + 143);
        acc = (acc * 52) ^ (x + 150);
        acc = (acc * 53) ^ (x + 157);
        acc = (acc * 54) ^ (x + 164);
        acc = (acc * 55) ^ (x + 171);
        acc = (acc * 56) ^ (x + 178);
        acc = (acc * 57) ^ (x + 185);
        acc = (acc * 58) ^ (x + 192);
        acc = (acc * 59) ^ (x + 199);
        acc = (acc * 60) ^ (x + 206);
        acc = (acc * 61) ^ (x + 213);
        acc = (acc * 62) ^ (x + 220);
        acc = (acc * 63) ^ (x + 227);
        acc = (acc * 64) ^ (x + 234);
        acc = (acc * 65) ^ (x + 241);
        acc = (acc * 66) ^ (x + 248);
        acc = (acc * 67) ^ (x + 255);
        acc = (acc * 68) ^ (x + 262);
        acc = (acc * 69) ^ (x + 269);
        acc = (acc * 70) ^ (x + 276);
        acc = (acc * 71) ^ (x + 283);
        acc = (acc * 72) ^ (x + 290);
        acc = (acc * 73) ^ (x + 297);
        acc = (acc * 74) ^ (x + 304);
        acc = (acc * 75) ^ (x + 311);
        acc = (acc * 76) ^ (x + 318);
        acc = (acc * 77) ^ (x + 325);
        acc = (acc * 78) ^ (x + 332);
        acc = (acc * 79) ^ (x + 339);
        acc = (acc * 80) ^ (x + 346);
        acc = (acc * 81) ^ (x + 353);
        acc = (acc * 82) ^ (x + 360);
        acc = (acc * 83) ^ (x + 367);
        acc = (acc * 84) ^ (x + 374);
        acc = (acc * 85) ^ (x + 381);
        acc = (acc * 86) ^ (x + 388);
        acc = (acc * 87) ^ (x + 395);
        acc = (acc * 88) ^ (x + 402);
        acc = (acc * 89) ^ (x + 409);
        acc = (acc * 90) ^ (x + 416);
        acc = (acc * 91) ^ (x + 423);
        acc = (acc * 92) ^ (x + 430);
        acc = (acc * 93) ^ (x + 437);
        acc = (acc * 94) ^ (x + 444);
        acc = (acc * 95) ^ (x + 451);
        acc = (acc * 96) ^ (x + 458);
        acc = (acc * 97) ^ (x + 465);
        acc = (acc * 98) ^ (x + 472);
        acc = (acc * 99) ^ (x + 479);
        acc = (acc * 100) ^ (x + 486);
        acc = (acc * 101) ^ (x + 493);
        acc = (acc * 102) ^ (x + 500);
        acc = (acc * 103) ^ (x + 507);
        acc = (acc * 104) ^ (x + 514);
        acc = (acc * 105) ^ (x + 521);
        acc = (acc * 106) ^ (x + 528);
        acc = (acc * 107) ^ (x + 535);
        acc = (acc * 108) ^ (x + 542);
        acc = (acc * 109) ^ (x + 549);
        acc = (acc * 110) ^ (x + 556);
        acc = (acc * 111) ^ (x + 563);
        acc = (acc * 112) ^ (x + 570);
        acc = (acc * 113) ^ (x + 577);
        acc = (acc * 114) ^ (x + 584);
        acc = (acc * 115) ^ (x + 591);
        acc = (acc * 116) ^ (x + 598);
        acc = (acc * 117) ^ (x + 605);
        acc = (acc * 118) ^ (x + 612);
        acc = (acc * 119) ^ (x + 619);
        acc = (acc * 120) ^ (x + 626);
        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long NoInlineNever(long x)
    {
        Executed.Here();
        return x - 7;
    }
}
