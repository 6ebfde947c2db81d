#version 330
// Live CCTV video projected onto the city, many cameras in one pass ("Video Flashlights",
// Sawhney et al. 2002). Each tile binds a bounded list of cameras (slots); per slot:
//   v_cam_i  this point in the camera's local frame (x right, y forward, z up), from the vertex stage
//   pos_i    xyz lens position, w range in metres
//   lens_i   xy tan(half fov) of the video's pinhole model, zw the same for the depth map; a fisheye
//            has x < 0 and xy = (-2, 2) x its image circle's radius in u and v
//   dist_i   x k1, y k2 (Brown radial distortion), z focal length in pixels, w opacity (0 = no frame yet;
//            negative: vid_i is a virtual CCTV render at the depth map's pinhole field, sampled where
//            the depth map is, while the real image's edges still bound it)
//   rect_i   where the picture lies in vid_i: xy uv scale, zw uv offset (a tile of an atlas; else 1, 1, 0, 0)
//   vid_i    the latest frame, dep_i the depth map (distance from the lens, metres)
// The slot declarations and calls (marked with @) are written by scenes/projectors.py.
in vec3 v_world;
in vec3 v_normal;
in vec4 v_color;
out vec4 frag_color;

uniform float video_on;
// 1 in the inspector's pass (scenes/_inspect.py): red = how much projected video covers this pixel
uniform float inspect_video;
// x: 1 / depth-map width (px), y: absolute occlusion tolerance (m), z: edge fade width (uv)
uniform vec4 proj_params;

@SLOT_DECLARATIONS@

// look_surface / look_finish: the city's own light and materials (scenes/shaders/look_*.glsl)
@LOOK@

void paint(vec3 c, vec4 P, vec4 L, vec4 D, vec4 R, sampler2D vid, sampler2D dep, vec3 n,
           inout vec3 acc, inout float wsum, inout float cover) {
    // cheap tests first: a software rasteriser skips the branch for blocks of pixels that all fail
    // (one level of branching only: nested ones cost llvmpipe more than they save)
    vec2 u = vec2(c.x, c.z) / max(c.y, 1e-3);       // undistorted normalised image point
    vec2 duv = 0.5 + 0.5 * u / L.zw;
    float towards = dot(n, P.xyz - v_world);         // > 0: the surface faces the camera
    float d2 = dot(c, c);
    if (c.y > 0.05 && d2 < P.w * P.w && towards > 0.02 * c.y
            && all(greaterThanEqual(duv, vec2(0.0))) && all(lessThanEqual(duv, vec2(1.0)))) {
        float dist = sqrt(d2);
        float facing = towards / dist;
        vec2 uv;
        if (L.x < 0.0) {
            // a dome fisheye (equidistant): off-axis angle / 90 degrees = radius / image-circle radius
            float rho = length(c.xz);
            uv = 0.5 + 0.5 * (atan(rho, c.y) / 1.5707963) * (c.xz / max(rho, 1e-6)) * vec2(-L.x, L.y);
        } else {
            // where the lens really puts this point: the radial distortion, applied forwards
            float r2 = dot(u, u);
            uv = 0.5 + 0.5 * u * (1.0 + D.x * r2 + D.y * r2 * r2) / L.xy;
        }
        // occlusion: something nearer to the lens along this ray hides this point
        float occluder = textureLod(dep, duv, 0.0).r;
        // slope-scaled: a depth texel spans 2 tan(half fov) / width radians at the centre
        float tol = proj_params.y + dist * 2.0 * L.z * proj_params.x * 1.5 / max(facing, 0.15);
        vec2 edge = min(uv, 1.0 - uv);
        // soft edges at the image border and towards the end of the range
        float fade = clamp(min(edge.x, edge.y) / proj_params.z, 0.0, 1.0);
        fade *= clamp((P.w - dist) / (0.15 * P.w), 0.0, 1.0);
        fade *= float(dist <= occluder + tol);
        // pixel density on this surface: focal px / distance, foreshortened by the incidence
        float ppm = D.z / dist * facing;
        float w = ppm * ppm * fade;
        acc += w * textureLod(vid, clamp(D.w < 0.0 ? duv : uv, 0.0, 1.0) * R.xy + R.zw, 0.0).rgb;
        wsum += w;
        cover = max(cover, fade * abs(D.w));
    }
}

void main() {
    vec3 n = normalize(v_normal);
    vec3 acc = vec3(0.0);
    float wsum = 0.0;
    float cover = 0.0;
@SLOT_CALLS@
    vec3 base = look_surface(v_color, n);
    // the video is the camera's own picture: it is not relit (it stays visible at night)
    vec3 video = wsum > 1e-12 ? acc / wsum : base;
    frag_color = look_finish(mix(base, video, cover * video_on), v_color.a);
    if (inspect_video > 0.5) frag_color = vec4(cover * video_on, 0.0, 0.0, 1.0);
}
