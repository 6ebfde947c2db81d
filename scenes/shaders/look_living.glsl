// The living look (scenes/_look.py sets every uniform): the sun with its shadow map, sky light,
// facades with windows by land use, water, street lamps and infrared pools at night, haze.
// Surface materials ride in the vertex colour's alpha: code = (1 - a) * 255 / 8 (scenes/_facades.py).
uniform vec4 sun_dir;      // xyz: unit vector towards the sun; w: 1 with shadows
uniform vec4 sun_rgb;      // rgb: direct sunlight (0 once the sun is down)
uniform vec4 sky_rgb;      // rgb: ambient sky light; w: night, 0 by day .. 1 in full night
uniform vec4 haze_rgb;     // rgb: haze colour (the horizon's); w: haze per metre
uniform vec4 look_params;  // x: share of windows lit, y: seconds, z: shadow texel (m), w: haze-free distance (m)
uniform mat4 sun_mat;      // world -> sun map: xy in -1..1, z metres along the sun's rays
uniform sampler2D sun_depth;
uniform sampler2D pools;   // r: street lamps' light, g: cameras' infrared reach
uniform vec4 pools_box;    // xy: world corner of the pool map, zw: 1 / its size (m)
uniform mat4 p3d_ViewMatrixInverse;

// per facade class (codes 1..8): storey height (m), bay width (m), window width and height
// as shares of the bay and the storey; sill height as a share of the storey is in WIN_SILL
const vec4 WIN[9] = vec4[9](
    vec4(3.0, 4.0, 0.0, 0.0),   // 0 not a building
    vec4(3.0, 4.2, 0.34, 0.42), // 1 house
    vec4(3.0, 3.4, 0.46, 0.50), // 2 apartments, hotels
    vec4(4.2, 3.0, 0.86, 0.62), // 3 shops: display windows
    vec4(3.6, 1.8, 0.78, 0.58), // 4 offices
    vec4(3.8, 1.5, 0.92, 0.82), // 5 towers: curtain walls
    vec4(6.0, 8.0, 0.70, 0.22), // 6 industrial: a high strip
    vec4(4.0, 3.6, 0.50, 0.55), // 7 civic
    vec4(3.2, 3.5, 0.42, 0.50)  // 8 other buildings
);
const float WIN_SILL[9] = float[9](0.3, 0.34, 0.28, 0.10, 0.22, 0.08, 0.62, 0.25, 0.28);

float hash12(vec2 p) {
    vec3 p3 = fract(vec3(p.xyx) * 0.1031);
    p3 += dot(p3, p3.yzx + 33.33);
    return fract((p3.x + p3.y) * p3.z);
}

int material(vec4 c) {
    return int(floor((1.0 - c.a) * 255.0 / 8.0 + 0.5));
}

float sunlit(vec3 p, float ndl) {
    vec3 s = (sun_mat * vec4(p, 1.0)).xyz;
    vec2 uv = s.xy * 0.5 + 0.5;
    float texel = look_params.z;
    // slope-scaled: a grazing surface spans more depth within one texel
    float bias = 0.25 + texel * 1.5 * clamp(sqrt(max(1.0 - ndl * ndl, 0.0)) / max(ndl, 0.05), 0.0, 10.0);
    float d = s.z - bias;
    vec2 ts = 0.5 / vec2(textureSize(sun_depth, 0));
    float lit = float(d <= textureLod(sun_depth, uv + vec2(-ts.x, -ts.y), 0.0).r)
              + float(d <= textureLod(sun_depth, uv + vec2(ts.x, -ts.y), 0.0).r)
              + float(d <= textureLod(sun_depth, uv + vec2(-ts.x, ts.y), 0.0).r)
              + float(d <= textureLod(sun_depth, uv + vec2(ts.x, ts.y), 0.0).r);
    // past the map's edge (beyond the shadowed part of the view) the sun shines unshadowed
    vec2 e = min(uv, 1.0 - uv);
    float inside = clamp(min(e.x, e.y) * 20.0, 0.0, 1.0);
    return mix(1.0, lit * 0.25, inside);
}

vec3 look_surface(vec4 c, vec3 n) {
    int code = material(c);
    vec3 p = v_world;
    vec3 albedo = c.rgb;
    vec3 emit = vec3(0.0);
    float night = sky_rgb.w;
    // windows, worked out for every fragment so the derivatives that filter them are defined
    int k = clamp(code, 0, 8);
    vec4 w = WIN[k];
    float along = dot(p.xy, vec2(-n.y, n.x));
    vec2 g = vec2(along / w.y, p.z / w.x);
    vec2 f = fract(g);
    float win = step(abs(f.x - 0.5), 0.5 * w.z) * step(WIN_SILL[k], f.y) * step(f.y, WIN_SILL[k] + w.w);
    // far away a window is smaller than a pixel: fade to the glazed share instead of shimmering
    vec2 fw = fwidth(g);
    win = mix(win, w.z * w.w, clamp(max(fw.x, fw.y) * 1.5 - 0.25, 0.0, 1.0));
    float wall = float(code >= 1 && code <= 8 && abs(n.z) < 0.5 && p.z > 0.6);
    win *= wall;
    // which windows are lit: a hash of the window's cell on this wall (the wall: its plane offset)
    float plane = dot(p.xy, n.xy);
    float h = hash12(floor(g) + vec2(plane * 0.371, plane * 0.137 + n.x * 17.0));
    float lit_share = look_params.x * (code == 4 || code == 5 ? 0.7 : 1.0);
    vec3 glass = mix(vec3(0.10, 0.12, 0.15), haze_rgb.rgb * 0.55, 0.35 + 0.25 * float(code == 5));
    albedo = mix(albedo, glass, win);
    float warm = h < lit_share ? 1.0 : 0.0;
    emit += win * warm * night * mix(vec3(1.0, 0.80, 0.52), vec3(0.85, 0.92, 1.0), float(code >= 4 && code <= 5)) * 1.1;

    float ndl_raw = dot(n, sun_dir.xyz);
    float ndl = code == 13 ? clamp((ndl_raw + 0.35) / 1.35, 0.0, 1.0) : max(ndl_raw, 0.0);
    float sh = 1.0;
    if (ndl > 0.0 && sun_dir.w > 0.5) {
        sh = sunlit(p, max(ndl_raw, 0.05));
    }
    vec3 light = sky_rgb.rgb * (0.85 + 0.15 * n.z) + sun_rgb.rgb * ndl * sh;
    // street lamps light the ground and the lower walls; infrared lamps the cameras' near ground
    vec2 pq = textureLod(pools, (p.xy - pools_box.xy) * pools_box.zw, 0.0).rg;
    float low = clamp(1.0 - p.z / 9.0, 0.0, 1.0);
    light += night * low * (pq.r * vec3(1.9, 1.4, 0.85) + pq.g * vec3(0.30, 0.34, 0.40));
    // exposure: highlights roll off instead of clipping (a noon sun overhead on pale ground)
    vec3 col = 1.0 - exp(-1.6 * (albedo * light + emit));
    if (code == 11) {
        // water: the sky in it (Fresnel), a sun glint off small moving ripples
        vec3 cam = p3d_ViewMatrixInverse[3].xyz;
        vec3 v = normalize(cam - p);
        float t = look_params.y;
        vec3 rn = normalize(vec3(0.05 * sin(p.x * 0.31 + t * 1.3) + 0.03 * sin(p.y * 0.57 - t),
                                 0.05 * cos(p.y * 0.29 + t * 1.1) + 0.03 * sin(p.x * 0.43 + t * 0.7), 1.0));
        float fres = 0.04 + 0.96 * pow(1.0 - max(dot(v, rn), 0.0), 5.0);
        vec3 r = reflect(-v, rn);
        float glint = pow(max(dot(r, sun_dir.xyz), 0.0), 120.0) * sh;
        col = mix(col, haze_rgb.rgb * (1.0 - 0.6 * night), fres) + sun_rgb.rgb * glint * 1.5;
    }
    return col;
}

vec4 look_finish(vec3 c, float a) {
    vec3 cam = p3d_ViewMatrixInverse[3].xyz;
    float d = max(distance(cam, v_world) - look_params.w, 0.0);
    float fog = 1.0 - exp(-d * haze_rgb.w);
    return vec4(mix(c, haze_rgb.rgb, fog), 1.0);
}
